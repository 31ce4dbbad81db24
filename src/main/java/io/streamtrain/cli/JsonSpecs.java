package io.streamtrain.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.streamtrain.core.SpecException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads JSON spec files for the trace commands into plain maps (the core parses maps, so it stays free of
 * Jackson) and writes results. Doubles are written with Java's shortest round-trip form, so a value read back
 * is bit-identical; non-finite values are written as the strings "NaN", "Infinity", "-Infinity".
 */
public final class JsonSpecs {
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
          .build();

  private JsonSpecs() {}

  /** Reads a JSON object; "-" reads standard input. Unreadable or malformed files raise a SpecException. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> read(Path file) {
    try {
      Object parsed =
          "-".equals(file.toString())
              ? MAPPER.readValue(System.in, Object.class)
              : MAPPER.readValue(Files.readAllBytes(file), Object.class);
      if (!(parsed instanceof Map)) {
        throw new SpecException("spec", "the file must hold a JSON object, found " + typeName(parsed));
      }
      return new LinkedHashMap<>((Map<String, Object>) parsed);
    } catch (NoSuchFileException e) {
      throw new SpecException("--spec", "no such file: " + file);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new SpecException("spec", "not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new SpecException("--spec", "cannot read " + file + ": " + e.getMessage());
    }
  }

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static String typeName(Object o) {
    if (o == null) {
      return "null";
    }
    if (o instanceof Map) {
      return "an object";
    }
    if (o instanceof java.util.List) {
      return "an array";
    }
    if (o instanceof String) {
      return "a string";
    }
    if (o instanceof Number) {
      return "a number";
    }
    return o.getClass().getSimpleName();
  }
}
