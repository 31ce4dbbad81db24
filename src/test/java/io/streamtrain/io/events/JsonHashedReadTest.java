package io.streamtrain.io.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.MurmurHash3;
import io.streamtrain.io.MutableSample;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Categorical strings hashed straight from Jackson's character buffer ({@link JsonEventReader} with hashed
 * fields, then {@link EventMapping#map} with a hashed space) give exactly the slots and signed values of today's
 * path: the tree mapped with names, then {@link Example#hashNamedFields} (Utf8Hasher over the Strings), in the same
 * order. Random text: ASCII, escapes ({@code \"}, {@code \\}, {@code \u00e9}, control characters), raw and escaped
 * non-ASCII, surrogate pairs, lone surrogates, values longer than Jackson's buffers; and the random events of
 * {@link JsonEventReaderTest} through its mappings (shared paths, prefixes, arrays, transforms).
 */
class JsonHashedReadTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final FeatureSpace SPACE = FeatureSpace.of(1, 0, 12);

  /** Plain categorical fields (hashed at read), one under a non-ASCII name, one shared with the model id. */
  static final Map<String, Object> STRINGS = Map.of(
      "model_id", Map.of("field", "m"),
      "label", Map.of("field", "y"),
      "dense", List.of(Map.of("field", "d", "default", 0)),
      "categorical", List.of("a", Map.of("field", "u.b", "name", "n\u00e4me"), "m", "arr",
          Map.of("field", "low", "transform", "lower")),
      "numeric", List.of("x", Map.of("field", "u.c", "name", "c2", "transform", "log1p")));

  @Test
  void charBufferHashesEqualUtf8HasherOnRandomText() throws Exception {
    SplittableRandom rnd = new SplittableRandom(2026_12_03);
    EventMapping m = EventMapping.fromSpec(new SpecReader("input.mapping", STRINGS));
    JsonEventReader reader = new JsonEventReader(m.fields(), m.hashable());
    MurmurHash3.Utf8Hasher hasher = new MurmurHash3.Utf8Hasher();
    int fast = 0;
    int slow = 0;
    for (int i = 0; i < 6_000; i++) {
      StringBuilder sb = new StringBuilder("{\"m\": \"ctr\", \"y\": 1");
      for (String k : new String[] {"a", "u", "arr", "low", "x", "d"}) {
        if (rnd.nextInt(8) == 0) {
          continue;
        }
        sb.append(", \"").append(k).append("\": ");
        switch (k) {
          case "u" -> sb.append("{\"b\": ").append(jsonString(randomText(rnd))).append(", \"c\": ")
              .append(rnd.nextInt(100)).append('}');
          case "arr" -> sb.append('[').append(jsonString(randomText(rnd))).append(", 3, true]");
          case "x", "d" -> sb.append(rnd.nextInt(-5, 5));
          default -> sb.append(jsonString(randomText(rnd)));
        }
      }
      byte[] bytes = sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
      ReadEvent e = (ReadEvent) reader.decode(bytes);
      for (Object v : e.values) {
        fast += v == JsonEventReader.HASHED ? 1 : 0;
        slow += v instanceof String ? 1 : 0;
      }
      assertHashedAsTheNames(m, bytes, e, hasher);
    }
    // Both paths taken many times: ASCII text from the buffer, other text from its String.
    assertThat(fast).isGreaterThan(4_000);
    assertThat(slow).isGreaterThan(4_000);
  }

  @Test
  void randomEventsOfTheReaderTestHashAsTheirNames() throws Exception {
    SplittableRandom rnd = new SplittableRandom(20261203);
    MurmurHash3.Utf8Hasher hasher = new MurmurHash3.Utf8Hasher();
    int mapped = 0;
    for (int k = 0; k < JsonEventReaderTest.MAPPINGS.size(); k++) {
      EventMapping m = EventMapping.fromSpec(new SpecReader("input.mapping", JsonEventReaderTest.MAPPINGS.get(k)));
      JsonEventReader reader = new JsonEventReader(m.fields(), m.hashable());
      for (int i = 0; i < 10_000; i++) {
        String text = JsonEventReaderTest.object(rnd, 0);
        if (rnd.nextInt(10) < 8) {
          text = "{" + JsonEventReaderTest.PREFIXES.get(k) + (text.length() > 2 ? text.substring(1) : "\"z\": 0}");
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        mapped += assertHashedAsTheNames(m, bytes, reader.decode(bytes), hasher) ? 1 : 0;
      }
    }
    assertThat(mapped).isGreaterThan(5_000);
  }

  @Test
  void asciiHashOfCharsEqualsTheStringHashOrSaysNonAscii() {
    SplittableRandom rnd = new SplittableRandom(5);
    MurmurHash3.Utf8Hasher h = new MurmurHash3.Utf8Hasher();
    for (int i = 0; i < 5_000; i++) {
      String name = rnd.nextBoolean() ? "f" + i : "n\u00e4me";
      String value = randomText(rnd);
      char[] buf = ("xx" + value + "yy").toCharArray();
      byte[] prefix = (name + "=").getBytes(StandardCharsets.UTF_8);
      long got = h.hashAscii(prefix, prefix.length, buf, 2, value.length(), 0, 1);
      boolean ascii = value.chars().allMatch(c -> c < 0x80);
      assertThat(h.lastHadNonAscii()).as(value).isEqualTo(!ascii);
      if (ascii) {
        assertThat(got).as(value).isEqualTo(MurmurHash3.hashUtf8(name, value, 0, 1));
      }
    }
  }

  /**
   * Maps {@code bytes} both ways and asserts the same outcome; with hashed values and no hashed space the mapping
   * asks for the text again. Returns whether the event mapped.
   */
  private static boolean assertHashedAsTheNames(EventMapping m, byte[] bytes, Object event,
      MurmurHash3.Utf8Hasher hasher) throws Exception {
    return assertHashedAsTheNames(m, JSON.readTree(bytes), event, hasher, new String(bytes, StandardCharsets.UTF_8));
  }

  /**
   * Maps {@code reference} (the event decoded whole) with names and {@code event} (read with hashing) with a hashed
   * space, and asserts the same outcome and the same hashed slots and values; {@code text} describes the event.
   */
  static boolean assertHashedAsTheNames(EventMapping m, Object reference, Object event,
      MurmurHash3.Utf8Hasher hasher, String text) {
    MutableSample named = new MutableSample();
    MutableSample hashed = new MutableSample();
    String whyTree = m.map(reference, 77, named);
    String why = m.map(event, 77, hashed, id -> SPACE, hasher);
    assertThat(why).as(text).isEqualTo(whyTree);
    String noSpace = m.map(event, 77, new MutableSample(), id -> null, hasher);
    if (((ReadEvent) event).anyHashed && !(whyTree != null && whyTree.equals(noSpace))) {
      // Unless the event was refused before the model id's space was known (a missing model id).
      assertThat(noSpace).as(text).isSameAs(EventMapping.NEEDS_TEXT);
    }
    if (whyTree != null) {
      return false;
    }
    Example want = new Example();
    for (int i = 0; i < named.categoricalSize; i++) {
      want.addCategorical(named.categoricalNames[i], named.categoricalValues[i]);
    }
    for (int i = 0; i < named.numericSize; i++) {
      want.addNumeric(named.numericNames[i], named.numericValues[i]);
    }
    want.hashNamedFields(SPACE, new MurmurHash3.Utf8Hasher());
    assertThat(hashed.categoricalSize + hashed.numericSize).as(text).isZero();
    assertThat(hashed.hashedBits).isEqualTo(SPACE.hashBits());
    assertThat(hashed.hashedSize).as(text).isEqualTo(want.hashedLength());
    for (int i = 0; i < want.hashedLength(); i++) {
      assertThat(hashed.hashedSlots[i]).as(text).isEqualTo(want.hashedSlot(i));
      assertThat(Double.doubleToRawLongBits(hashed.hashedValues[i])).as(text)
          .isEqualTo(Double.doubleToRawLongBits(want.hashedValue(i)));
    }
    assertThat(hashed.modelId).isEqualTo(named.modelId);
    assertThat(Arrays.copyOf(hashed.dense, hashed.denseSize)).isEqualTo(Arrays.copyOf(named.dense, named.denseSize));
    assertThat(Double.doubleToRawLongBits(hashed.label)).isEqualTo(Double.doubleToRawLongBits(named.label));
    return true;
  }

  /** Random text: mostly short ASCII, some non-ASCII (BMP, pairs, lone surrogates), some longer than 8k chars. */
  static String randomText(SplittableRandom r) {
    int kind = r.nextInt(10);
    int n = kind == 0 ? r.nextInt(8_000, 70_000) : r.nextInt(0, 12);
    boolean ascii = kind < 6;
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      int c = r.nextInt(ascii ? 6 : 9);
      switch (c) {
        case 0 -> sb.append((char) r.nextInt(0, 0x80));
        case 1 -> sb.append(r.nextBoolean() ? '"' : '\\');
        case 6 -> sb.append((char) r.nextInt(0x80, 0xd800));
        case 7 -> sb.append("\ud83d\ude00");
        case 8 -> sb.append((char) r.nextInt(0xd800, 0xe000)); // a lone surrogate
        default -> sb.append((char) r.nextInt('a', 'z' + 1));
      }
    }
    return sb.toString();
  }

  /** {@code s} as a JSON string, each character written raw or escaped at random where both are allowed. */
  static String jsonString(String s) {
    SplittableRandom r = new SplittableRandom(s.hashCode());
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
      if (c == '"' || c == '\\') {
        sb.append(r.nextBoolean() ? "\\" + c : String.format("\\u%04x", (int) c));
      } else if (c < 0x20 || (Character.isSurrogate(c) && !pair) || r.nextInt(8) == 0) {
        sb.append(String.format("\\u%04x", (int) c));
      } else if (pair) {
        sb.append(c).append(s.charAt(++i));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }
}
