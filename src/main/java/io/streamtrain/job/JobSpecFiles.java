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
    try {
      return JobSpec.fromMap(YAML.readValue(Files.readAllBytes(file), new TypeReference<LinkedHashMap<String, Object>>() {}));
    } catch (NoSuchFileException e) {
      throw new SpecException("spec", "no such file: " + file);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new SpecException("spec", file + " is not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
    } catch (IOException e) {
      throw new SpecException("spec", "cannot read " + file + ": " + e.getMessage());
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
    try {
      return JobSpec.fromMap(JSON.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() {}));
    } catch (IOException e) {
      throw new SpecException("--spec-json", "not valid JSON: " + e.getMessage());
    }
  }

  /** A copy of a spec map (for tests and tools that derive a spec). */
  public static Map<String, Object> copy(Map<String, Object> raw) {
    return JSON.convertValue(raw, new TypeReference<LinkedHashMap<String, Object>>() {});
  }
}
