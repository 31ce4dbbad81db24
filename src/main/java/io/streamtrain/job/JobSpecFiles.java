package io.streamtrain.job;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.streamtrain.core.SpecException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads job specs from YAML (or JSON, a subset) files and strings into validated {@link JobSpec}s. The parsed
 * map is kept as plain Java collections so it can travel inside the Flink job graph and be re-validated on each
 * task manager.
 */
public final class JobSpecFiles {
  // A key given twice is an error naming it, not "the last one silently wins" (YAML itself forbids duplicates).
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final ObjectMapper JSON = new ObjectMapper();

  private JobSpecFiles() {}

  public static JobSpec load(Path file) {
    Map<String, Object> raw = readYaml(file);
    inlineSchema(raw, file);
    return JobSpec.fromMap(raw);
  }

  /** A spec file's map (an empty file: an empty map); a missing, unreadable or invalid file names the problem. */
  public static Map<String, Object> readYaml(Path file) {
    try {
      Map<String, Object> raw =
          YAML.readValue(Files.readAllBytes(file), new TypeReference<LinkedHashMap<String, Object>>() {});
      return raw == null ? new LinkedHashMap<>() : raw;
    } catch (NoSuchFileException e) {
      throw new SpecException("spec", "no such file: " + file);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new SpecException("spec", file + " is not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
    } catch (IOException e) {
      throw new SpecException("spec", "cannot read " + file + ": " + e.getMessage());
    }
  }

  /**
   * An {@code input.schema} file path, relative to the spec's directory, replaced by the file's text: the job then
   * carries the schema itself to wherever it runs (a cluster's task managers need not have the file).
   */
  @SuppressWarnings("unchecked")
  private static void inlineSchema(Map<String, Object> raw, Path specFile) {
    if (!(raw.get("input") instanceof Map<?, ?> in) || !(in.get("schema") instanceof String s)
        || s.trim().startsWith("{")) {
      return;
    }
    Path p = Path.of(s);
    Path resolved = p.isAbsolute() || specFile.getParent() == null ? p : specFile.getParent().resolve(p);
    try {
      ((Map<String, Object>) in).put("schema", Files.readString(resolved));
    } catch (IOException e) {
      throw new SpecException("input.schema", s, "a readable .avsc file (looked for " + resolved + ")");
    }
  }

  /** The spec as compact JSON, e.g. to pass it to a job running on a remote cluster. */
  public static String toJson(JobSpec spec) {
    try {
      return JSON.writeValueAsString(spec.raw());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static JobSpec fromJson(String json) {
    return JobSpec.fromMap(mapFromJson(json));
  }

  /** A spec map as compact JSON (what a job on a remote cluster is given). */
  public static String mapToJson(Map<String, Object> raw) {
    try {
      return JSON.writeValueAsString(raw);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The spec map of {@link #mapToJson}'s JSON. */
  public static Map<String, Object> mapFromJson(String json) {
    try {
      return JSON.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (IOException e) {
      throw new SpecException("--spec-json", "not valid JSON: " + e.getMessage());
    }
  }

  /** A copy of a spec map (for tests and tools that derive a spec). */
  public static Map<String, Object> copy(Map<String, Object> raw) {
    return JSON.convertValue(raw, new TypeReference<LinkedHashMap<String, Object>>() {});
  }
}
