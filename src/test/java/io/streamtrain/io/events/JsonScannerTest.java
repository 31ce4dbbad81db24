package io.streamtrain.io.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.MurmurHash3;
import io.streamtrain.io.MutableSample;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The byte-level scanner ({@link JsonScanner}) reads every event exactly as Jackson's parser does, or leaves it to
 * Jackson: the same reader with and without the scanner, on random events, on their bytes damaged at random, on
 * numbers of every shape and on text of every kind, must give the same outcome (both refuse the bytes, or both map
 * the event to the same sample, hashed slots included, or refuse it with the same message). And the scanner does
 * read most of them: a test that always fell back would prove nothing.
 */
class JsonScannerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final FeatureSpace SPACE = FeatureSpace.of(1, 0, 12);
  /** Bytes that matter to the grammar, and some that never may appear raw. */
  private static final byte[] DAMAGE = "\"\\{}[],: \t\n0123456789-+.eEtrufalsn\u0001".getBytes(StandardCharsets.UTF_8);

  private static List<Map<String, Object>> mappings() {
    List<Map<String, Object>> all = new ArrayList<>(JsonEventReaderTest.MAPPINGS);
    all.add(JsonHashedReadTest.STRINGS);
    return all;
  }

  @Test
  void randomAndDamagedEventsReadAsByJackson() throws Exception {
    SplittableRandom rnd = new SplittableRandom(2026_12_04);
    long scanned = 0;
    long events = 0;
    int refusedBytes = 0;
    for (int k = 0; k < mappings().size(); k++) {
      EventMapping m = EventMapping.fromSpec(new SpecReader("input.mapping", mappings().get(k)));
      for (boolean hashing : new boolean[] {false, true}) {
        List<EventMapping.Field> hashed = hashing ? m.hashable() : List.of();
        JsonEventReader fast = new JsonEventReader(m.fields(), hashed, true);
        JsonEventReader jackson = new JsonEventReader(m.fields(), hashed, false);
        for (int i = 0; i < 8_000; i++) {
          String text = event(rnd, k);
          byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
          if (rnd.nextInt(3) == 0) {
            bytes = damage(rnd, bytes);
          }
          refusedBytes += assertSameOutcome(m, fast, jackson, bytes) ? 0 : 1;
          events++;
        }
        scanned += fast.scanned;
      }
    }
    // These events are made to be awkward (kept arrays and objects, escapes, huge numbers, damage): a fifth or more.
    assertThat(scanned).as("events the scanner read itself").isGreaterThan(events / 5);
    assertThat(refusedBytes).as("damaged events both refused").isGreaterThan(5_000);
  }

  @Test
  void numbersOfEveryShapeReadAsByJackson() throws Exception {
    EventMapping m = EventMapping.fromSpec(new SpecReader("input.mapping", Map.of("label", Map.of("field", "y"),
        "event_time", Map.of("field", "t"), "dense", List.of("x"), "categorical", List.of("c"),
        "numeric", List.of("n"))));
    JsonEventReader fast = new JsonEventReader(m.fields(), m.hashable(), true);
    JsonEventReader jackson = new JsonEventReader(m.fields(), m.hashable(), false);
    List<String> numbers = new ArrayList<>(List.of("0", "-0", "0.0", "-0.0", "1", "-1", "0.1", "0.3", "1e22", "1e23",
        "1E-22", "1e-23", "9007199254740993", "9007199254740993.0", "123456789012345.6", "123456789012345",
        "999999999999999999", "1000000000000000000", "-999999999999999999", "4.9e-324", "2.4703282292062327e-324",
        "1.7976931348623157e308", "1.8e308", "2.2250738585072014E-308", "1e0", "1E+2", "1e-0", "12.000", "0.000001",
        "000", "01", "-", "1.", ".5", "+1", "1e", "1e+", "--1", "1.5e3.2", "0x10", "1_0", "NaN", "Infinity",
        "12345678901234567890123", "1e99999", "0.00000000000000000000000000001"));
    SplittableRandom rnd = new SplittableRandom(11);
    for (int i = 0; i < 20_000; i++) {
      double d = switch (rnd.nextInt(4)) {
        case 0 -> rnd.nextDouble();
        case 1 -> rnd.nextDouble(-1e6, 1e6);
        case 2 -> Double.longBitsToDouble(rnd.nextLong());
        default -> rnd.nextInt(-1000, 1000) / 100.0;
      };
      numbers.add(Double.isFinite(d) ? Double.toString(d) : "1");
      numbers.add(decimal(rnd));
      numbers.add(Long.toString(rnd.nextLong() >> rnd.nextInt(64)));
    }
    long kept = 0;
    for (String x : numbers) {
      for (String field : new String[] {"x", "t", "c", "n", "y"}) {
        String text = "{\"y\": true, \"t\": 5, \"" + field + "\": " + x + "}";
        assertSameOutcome(m, fast, jackson, text.getBytes(StandardCharsets.UTF_8));
        kept++;
      }
    }
    assertThat(fast.scanned).isGreaterThan(kept * 9 / 10);
  }

  @Test
  void textOfEveryKindReadAsByJackson() throws Exception {
    EventMapping m = EventMapping.fromSpec(new SpecReader("input.mapping", JsonHashedReadTest.STRINGS));
    JsonEventReader fast = new JsonEventReader(m.fields(), m.hashable(), true);
    JsonEventReader jackson = new JsonEventReader(m.fields(), m.hashable(), false);
    SplittableRandom rnd = new SplittableRandom(12);
    byte[][] odd = {{(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF4, (byte) 0x90,
        (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0x80}, {(byte) 0xFF}, {0x1F}, {0x7F},
        {(byte) 0xEF, (byte) 0xBF, (byte) 0xBF}, {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80}};
    for (int i = 0; i < 20_000; i++) {
      String value = JsonHashedReadTest.randomText(rnd);
      String json = rnd.nextBoolean() ? JsonHashedReadTest.jsonString(value) : raw(value);
      byte[] v = json.getBytes(StandardCharsets.UTF_8);
      if (rnd.nextInt(4) == 0) {
        byte[] o = odd[rnd.nextInt(odd.length)];
        int at = rnd.nextInt(1, v.length);
        byte[] w = new byte[v.length + o.length];
        System.arraycopy(v, 0, w, 0, at);
        System.arraycopy(o, 0, w, at, o.length);
        System.arraycopy(v, at, w, at + o.length, v.length - at);
        v = w;
      }
      String key = new String[] {"a", "m", "low", "skipped", "u\": {\"b", "arr\": [\"x\", "}[rnd.nextInt(6)];
      byte[] head = ("{\"m\": \"ctr\", \"y\": 1, \"" + key + "\": ").getBytes(StandardCharsets.UTF_8);
      byte[] tail = (key.startsWith("u") ? "}}" : key.startsWith("arr") ? "]}" : "}").getBytes(StandardCharsets.UTF_8);
      byte[] bytes = new byte[head.length + v.length + tail.length];
      System.arraycopy(head, 0, bytes, 0, head.length);
      System.arraycopy(v, 0, bytes, head.length, v.length);
      System.arraycopy(tail, 0, bytes, head.length + v.length, tail.length);
      assertSameOutcome(m, fast, jackson, bytes);
    }
    assertThat(fast.scanned).isGreaterThan(6_000);
  }

  @Test
  void namesAndStringsPastJacksonsLimitsAreLeftToJackson() throws Exception {
    EventMapping m = EventMapping.fromSpec(new SpecReader("input.mapping", JsonHashedReadTest.STRINGS));
    JsonEventReader fast = new JsonEventReader(m.fields(), m.hashable(), true);
    JsonEventReader jackson = new JsonEventReader(m.fields(), m.hashable(), false);
    for (int n : new int[] {39_999, 40_001, 49_999, 50_001, 60_000}) {
      String name = "n".repeat(n);
      for (String text : new String[] {"{\"m\": \"ctr\", \"y\": 1, \"" + name + "\": 2}",
          "{\"m\": \"ctr\", \"y\": 1, \"a\": \"" + name + "\"}"}) {
        assertSameOutcome(m, fast, jackson, text.getBytes(StandardCharsets.UTF_8));
      }
    }
    // A name past Jackson's default limit (50,000) is refused by Jackson, so by the reader with the scanner too.
    byte[] longName = ("{\"m\": \"ctr\", \"y\": 1, \"" + "n".repeat(50_001) + "\": 2}")
        .getBytes(StandardCharsets.UTF_8);
    assertThat(assertSameOutcome(m, fast, jackson, longName)).isFalse();
  }

  /**
   * Decodes {@code bytes} with both readers and asserts the same outcome: both refuse the bytes, or both map (with
   * names and with a hashed space) to the same samples or the same refusal. Returns whether the bytes were read.
   */
  private static boolean assertSameOutcome(EventMapping m, JsonEventReader fast, JsonEventReader jackson,
      byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    Object a;
    Object b;
    try {
      b = jackson.decode(bytes);
    } catch (Exception e) {
      b = null;
    }
    long before = fast.scanned;
    try {
      a = fast.decode(bytes);
    } catch (Exception e) {
      a = null;
    }
    boolean byScanner = fast.scanned > before;
    assertThat(a == null).as(text).isEqualTo(b == null);
    if (a == null) {
      return false;
    }
    MurmurHash3.Utf8Hasher hasher = new MurmurHash3.Utf8Hasher();
    MutableSample sa = new MutableSample();
    MutableSample sb = new MutableSample();
    String whyA = m.map(a, 77, sa, id -> SPACE, hasher);
    // The Jackson reader's event is overwritten by nothing until its next decode: map it now.
    String whyB = m.map(b, 77, sb, id -> SPACE, hasher);
    assertThat(whyA).as(text).isEqualTo(whyB);
    if (whyA == null) {
      JsonEventReaderTest.assertSame(text, sb, sa);
      assertThat(sa.hashedBits).as(text).isEqualTo(sb.hashedBits);
      assertThat(Arrays.copyOf(sa.hashedSlots, sa.hashedSize)).as(text)
          .isEqualTo(Arrays.copyOf(sb.hashedSlots, sb.hashedSize));
      assertThat(Arrays.copyOf(sa.hashedValues, sa.hashedSize)).as(text)
          .isEqualTo(Arrays.copyOf(sb.hashedValues, sb.hashedSize));
    }
    // Without a hashed space: the scanner's event asks for its text when it hashed anything, as Jackson's does.
    String noSpaceA = m.map(a, 77, new MutableSample(), id -> null, hasher);
    String noSpaceB = m.map(b, 77, new MutableSample(), id -> null, hasher);
    if (noSpaceA != EventMapping.NEEDS_TEXT && noSpaceB != EventMapping.NEEDS_TEXT) {
      assertThat(noSpaceA).as(text).isEqualTo(noSpaceB);
    }
    if (byScanner) {
      try {
        JSON.readTree(bytes);
      } catch (Exception e) {
        throw new AssertionError("the scanner read it, but Jackson's tree refuses it: " + text, e);
      }
    }
    return true;
  }

  /** A random event of {@link JsonEventReaderTest}, most with the members mapping {@code k} requires first. */
  private static String event(SplittableRandom rnd, int k) {
    String text = JsonEventReaderTest.object(rnd, 0);
    if (k < JsonEventReaderTest.PREFIXES.size() && rnd.nextInt(10) < 8) {
      text = "{" + JsonEventReaderTest.PREFIXES.get(k) + (text.length() > 2 ? text.substring(1) : "\"z\": 0}");
    } else if (k == JsonEventReaderTest.PREFIXES.size()) {
      text = "{\"m\": \"ctr\", \"y\": 1, \"a\": \"v" + rnd.nextInt(100) + "\", \"arr\": [\"p\", \"q\"]"
          + (text.length() > 2 ? ", " + text.substring(1) : "}");
    }
    if (rnd.nextInt(10) == 0) {
      text = text.replace(", ", ",").replace(": ", ":");
    } else if (rnd.nextInt(10) == 0) {
      text = " \n" + text.replace(", ", " ,\t").replace(": ", " :\r\n") + " ";
    }
    return text;
  }

  /** {@code bytes} with one to three random edits: a byte replaced, removed or inserted. */
  private static byte[] damage(SplittableRandom rnd, byte[] bytes) {
    byte[] b = bytes;
    for (int n = rnd.nextInt(1, 4); n > 0 && b.length > 1; n--) {
      int at = rnd.nextInt(b.length);
      byte x = rnd.nextInt(8) == 0 ? (byte) rnd.nextInt(256) : DAMAGE[rnd.nextInt(DAMAGE.length)];
      switch (rnd.nextInt(3)) {
        case 0 -> {
          b = b.clone();
          b[at] = x;
        }
        case 1 -> {
          byte[] c = new byte[b.length - 1];
          System.arraycopy(b, 0, c, 0, at);
          System.arraycopy(b, at + 1, c, at, b.length - at - 1);
          b = c;
        }
        default -> {
          byte[] c = new byte[b.length + 1];
          System.arraycopy(b, 0, c, 0, at);
          c[at] = x;
          System.arraycopy(b, at, c, at + 1, b.length - at);
          b = c;
        }
      }
    }
    return b;
  }

  /** A random decimal: up to 20 digits around a point, maybe an exponent. */
  private static String decimal(SplittableRandom r) {
    StringBuilder sb = new StringBuilder(r.nextBoolean() ? "-" : "");
    int before = r.nextInt(1, 12);
    for (int i = 0; i < before; i++) {
      sb.append(i == 0 && before > 1 ? r.nextInt(1, 10) : r.nextInt(10));
    }
    if (r.nextBoolean()) {
      sb.append('.');
      for (int i = r.nextInt(1, 12); i > 0; i--) {
        sb.append(r.nextInt(10));
      }
    }
    if (r.nextInt(3) == 0) {
      sb.append(r.nextBoolean() ? 'e' : 'E').append(new String[] {"", "+", "-"}[r.nextInt(3)]).append(r.nextInt(40));
    }
    return sb.toString();
  }

  /** {@code s} as a JSON string with nothing escaped but what must be: quotes, backslashes, control characters. */
  private static String raw(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }
}
