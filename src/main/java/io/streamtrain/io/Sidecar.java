package io.streamtrain.io;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.streamtrain.core.SpecException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code produce} did to a file's rows, written next to the data it sent so that replay (and any other
 * reader or scorer) turns raw rows into the same samples: the label map ({@code {"label_map": {"spam": "1", ...}}},
 * word to label text, as {@code --label-map} takes it) and the standardization of the dense columns
 * ({@code "standardize": {"columns": [...], "mean": [...], "scale": [...]}}: {@code (x - mean) / scale}). Either part
 * may be absent. JSON, so it is read by people and by other tools.
 */
public record Sidecar(String labelMap, List<String> columns, double[] mean, double[] scale) {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public boolean standardizes() {
    return mean != null;
  }

  public void write(Path file) throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("format", "streamtrain-sidecar-1");
    if (labelMap != null) {
      Map<String, String> m = new LinkedHashMap<>();
      for (String pair : labelMap.split(",")) {
        int eq = pair.indexOf('=');
        m.put(pair.substring(0, eq), pair.substring(eq + 1));
      }
      root.put("label_map", m);
    }
    if (mean != null) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("columns", columns);
      s.put("mean", mean);
      s.put("scale", scale);
      root.put("standardize", s);
    }
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    JSON.writeValue(file.toFile(), root);
  }

  /** Reads a sidecar; errors name {@code key} (the option or spec key that gave the path). */
  @SuppressWarnings("unchecked")
  public static Sidecar read(String key, Path file) {
    Map<String, Object> root;
    try {
      root = JSON.readValue(Files.readAllBytes(file), new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (IOException e) {
      throw new SpecException(key, file, "a sidecar JSON file written by produce: " + e.getMessage());
    }
    if (!"streamtrain-sidecar-1".equals(root.get("format"))) {
      throw new SpecException(key, file, "a sidecar written by produce (\"format\": \"streamtrain-sidecar-1\")");
    }
    String labels = null;
    if (root.get("label_map") instanceof Map<?, ?> m) {
      StringBuilder b = new StringBuilder();
      m.forEach((w, v) -> b.append(b.length() == 0 ? "" : ",").append(w).append('=').append(v));
      labels = b.toString();
    }
    double[] mean = null;
    double[] scale = null;
    List<String> columns = null;
    if (root.get("standardize") instanceof Map<?, ?> s) {
      mean = io.streamtrain.core.SpecReader.toDoubleArray(key + ".standardize.mean", s.get("mean"));
      scale = io.streamtrain.core.SpecReader.toDoubleArray(key + ".standardize.scale", s.get("scale"));
      columns = (List<String>) s.get("columns");
      if (mean.length != scale.length) {
        throw new SpecException(key, file, "a sidecar whose standardize.mean and scale have the same length");
      }
    }
    return new Sidecar(labels, columns, mean, scale);
  }
}
