package io.streamtrain.io.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.SpecReader;
import io.streamtrain.io.MutableSample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The streaming JSON reader maps every event exactly as the Jackson tree does: random events (nesting, arrays,
 * repeated member names, nulls, every number type, escapes and non-ASCII text) through mappings whose paths are
 * prefixes of one another and step into arrays, compared field by field, error message by error message.
 */
class JsonEventReaderTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] KEYS = {"a", "b", "c", "x", "user", "geo", "items", "0", "1"};

  static final List<Map<String, Object>> MAPPINGS = List.of(
      Map.of(
          "model_id", Map.of("field", "a"),
          "label", Map.of("field", "b"),
          "weight", Map.of("field", "c"),
          "event_time", Map.of("field", "user.x"),
          "dense", List.of("user.0", Map.of("field", "x", "default", 0),
              Map.of("field", "items.1", "default", -1, "transform", "log1p")),
          "categorical", List.of("items", Map.of("field", "user", "name", "u"),
              Map.of("field", "user.geo.a", "transform", "lower"),
              Map.of("field", "geo", "transform", Map.of("bucketize", List.of(0, 10)))),
          "numeric", List.of(Map.of("field", "user.geo.b"), "0")),
      Map.of(
          "label", Map.of("field", "x", "map", Map.of("x", 1, "y", 0, "1", 2)),
          "event_time", Map.of("field", "c", "unit", "s"),
          "categorical", List.of("a", "b.c", "items.0.a", Map.of("field", "user.items", "name", "ui")),
          "numeric", List.of(Map.of("field", "geo.x", "transform", Map.of("clip", List.of(-1, 1))))),
      Map.of(
          "model_id", Map.of("field", "geo.a"),
          "label", Map.of("field", "a", "threshold", 0.5),
          "dense", List.of(Map.of("field", "b", "default", 3), Map.of("field", "user.b", "default", 2,
              "transform", "hour_of_day")),
          "categorical", List.of(Map.of("field", "c", "transform", "weekday"), "0.1")));

  /** Members that satisfy each mapping's required fields, put first in most events (later ones may repeat them). */
  static final List<String> PREFIXES = List.of("\"a\": \"m1\", \"b\": true, \"user\": {\"x\": 5, \"0\": 1.5}, ",
      "\"x\": \"y\", \"c\": 1.5, ", "\"a\": 0.7, \"geo\": {\"a\": \"id\"}, ");

  @Test
  void mapsRandomEventsExactlyAsTheTree() throws Exception {
    SplittableRandom rnd = new SplittableRandom(20261203);
    int mapped = 0;
    int refused = 0;
    for (int k = 0; k < MAPPINGS.size(); k++) {
      EventMapping m = EventMapping.fromSpec(new SpecReader("input.mapping", MAPPINGS.get(k)));
      JsonEventReader reader = new JsonEventReader(m.fields());
      for (int i = 0; i < 20_000; i++) {
        String text = rnd.nextInt(20) == 0 ? value(rnd, 0) : object(rnd, 0);
        if (text.startsWith("{") && rnd.nextInt(10) < 8) {
          text = "{" + PREFIXES.get(k) + (text.length() > 2 ? text.substring(1) : "\"z\": 0}");
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        MutableSample tree = new MutableSample();
        MutableSample stream = new MutableSample();
        String whyTree = m.map(JSON.readTree(bytes), 77, tree);
        String whyStream = m.map(reader.decode(bytes), 77, stream);
        assertThat(whyStream).as(text).isEqualTo(whyTree);
        if (whyTree == null) {
          assertSame(text, tree, stream);
          mapped++;
        } else {
          refused++;
        }
      }
    }
    assertThat(mapped).isGreaterThan(10_000);
    assertThat(refused).isGreaterThan(2_000);
  }

  @Test
  void malformedJsonIsRefusedByBoth() throws Exception {
    SplittableRandom rnd = new SplittableRandom(7);
    EventMapping m = EventMapping.fromSpec(new SpecReader("input.mapping", MAPPINGS.get(0)));
    JsonEventReader reader = new JsonEventReader(m.fields());
    for (int i = 0; i < 2_000; i++) {
      String text = object(rnd, 0);
      byte[] cut = Arrays.copyOf(text.getBytes(StandardCharsets.UTF_8), rnd.nextInt(1, text.length()));
      boolean treeFails = fails(() -> JSON.readTree(cut));
      boolean streamFails = fails(() -> reader.decode(cut));
      assertThat(streamFails).as(new String(cut, StandardCharsets.UTF_8)).isEqualTo(treeFails);
    }
    assertThatThrownBy(() -> reader.decode("{\"a\": 1, \"zz\": [1, 2}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class);
  }

  @Test
  void aPathNotGivenToTheReaderIsAnError() throws Exception {
    EventMapping m = EventMapping.fromSpec(new SpecReader("input.mapping", MAPPINGS.get(0)));
    EventMapping other = EventMapping.fromSpec(new SpecReader("input.mapping", MAPPINGS.get(1)));
    JsonEventReader reader = new JsonEventReader(m.fields());
    Object event = reader.decode("{\"x\": 1}".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> other.map(event, 0, new MutableSample()))
        .hasMessageContaining("is not one of the paths this reader keeps");
  }

  private interface Io {
    void run() throws Exception;
  }

  private static boolean fails(Io io) {
    try {
      io.run();
      return false;
    } catch (Exception e) {
      return true;
    }
  }

  static void assertSame(String text, MutableSample a, MutableSample b) {
    assertThat(b.modelId).as(text).isEqualTo(a.modelId);
    assertThat(b.eventTime).as(text).isEqualTo(a.eventTime);
    assertThat(b.labelKind).as(text).isEqualTo(a.labelKind);
    assertThat(Double.doubleToRawLongBits(b.label)).as(text).isEqualTo(Double.doubleToRawLongBits(a.label));
    assertThat(b.hasWeight).as(text).isEqualTo(a.hasWeight);
    assertThat(Double.doubleToRawLongBits(b.weight)).as(text).isEqualTo(Double.doubleToRawLongBits(a.weight));
    assertThat(Arrays.copyOf(b.dense, b.denseSize)).as(text).isEqualTo(Arrays.copyOf(a.dense, a.denseSize));
    assertThat(Arrays.copyOf(b.categoricalNames, b.categoricalSize)).as(text)
        .isEqualTo(Arrays.copyOf(a.categoricalNames, a.categoricalSize));
    assertThat(Arrays.copyOf(b.categoricalValues, b.categoricalSize)).as(text)
        .isEqualTo(Arrays.copyOf(a.categoricalValues, a.categoricalSize));
    assertThat(Arrays.copyOf(b.numericNames, b.numericSize)).as(text)
        .isEqualTo(Arrays.copyOf(a.numericNames, a.numericSize));
    assertThat(Arrays.copyOf(b.numericValues, b.numericSize)).as(text)
        .isEqualTo(Arrays.copyOf(a.numericValues, a.numericSize));
  }

  /** A JSON object with members from a small key set (so paths hit and repeat), written by hand. */
  static String object(SplittableRandom r, int depth) {
    StringBuilder sb = new StringBuilder("{");
    int n = r.nextInt(depth == 0 ? 9 : 4);
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append('"').append(KEYS[r.nextInt(KEYS.length)]).append("\": ").append(value(r, depth + 1));
    }
    return sb.append('}').toString();
  }

  private static String value(SplittableRandom r, int depth) {
    int kind = r.nextInt(depth >= 3 ? 8 : 11);
    switch (kind) {
      case 0:
        return Integer.toString(r.nextInt(-100, 100));
      case 1:
        return Long.toString(r.nextLong());
      case 2:
        return "123456789012345678901234567890";
      case 3: {
        String[] floats = {"0.5", "-0.0", "1e3", "2.5E-3", "1764745500.25", "12.000", "3.0", "-7.25e10"};
        return floats[r.nextInt(floats.length)];
      }
      case 4: {
        String[] texts = {"\"X\"", "\"y\"", "\"1\"", "\"caf\u00e9\"", "\"a\\\"b\"", "\"\\u00e9t\u00e9\"", "\"\"",
            "\"\\n\"", "\"\ud83d\ude00\""};
        return texts[r.nextInt(texts.length)];
      }
      case 5:
        return r.nextBoolean() ? "true" : "false";
      case 6:
        return "null";
      case 7:
        return Integer.toString(r.nextInt(0, 20));
      case 8:
      case 9: {
        StringBuilder sb = new StringBuilder("[");
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
          sb.append(i > 0 ? ", " : "").append(value(r, depth + 1));
        }
        return sb.append(']').toString();
      }
      default:
        return object(r, depth);
    }
  }
}
