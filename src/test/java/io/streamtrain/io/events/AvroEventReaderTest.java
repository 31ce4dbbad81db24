package io.streamtrain.io.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.feature.MurmurHash3;
import io.streamtrain.io.MutableSample;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/**
 * The compiled Avro reader maps every event exactly as the GenericRecord path does: random writer schemas (nested
 * records, nullable and mixed unions, enums, arrays of strings, ints and records, maps, bytes, fixed, every
 * primitive, fields off the paths of every type), random mappings of their paths (and of paths they do not have:
 * through arrays, map keys, scalars), random events; the same samples bit for bit, the same refusal messages, with
 * names and with categorical strings hashed at read against the names hashed afterwards. Truncated events and
 * trailing bytes are refused with a clear message; a corrupted event the generic reader decodes maps the same,
 * and one it refuses is refused too unless the damage lies in bytes skipped unread.
 */
class AvroEventReaderTest {
  private static final String[] NAMES = {"a", "b", "c", "x", "user", "geo", "items", "m"};
  private static final String[] KEYS = {"a", "b", "0", "1", "x"};
  private static final String[] TEXTS = {"m1", "x", "y", "1", "id", "true", "Lyon", "caf\u00e9", "\ud83d\ude00", ""};

  @Test
  void mapsRandomEventsOfRandomSchemasExactlyAsGenericRecords() throws Exception {
    SplittableRandom rnd = new SplittableRandom(2026_12_03);
    MurmurHash3.Utf8Hasher hasher = new MurmurHash3.Utf8Hasher();
    int mapped = 0;
    int refused = 0;
    int fast = 0;
    int slow = 0;
    int wholeValues = 0;
    int lists = 0;
    for (int k = 0; k < 400; k++) {
      Case c = new Case(rnd);
      for (int i = 0; i < 150; i++) {
        Object datum = c.gen.datum(c.schema, 0);
        byte[] bytes = encode(c.writer, datum);
        String desc = c.schema + "\n" + datum;
        Object reference = c.generic.decode(bytes);
        MutableSample want = new MutableSample();
        MutableSample got = new MutableSample();
        String why = c.mapping.map(reference, 77, want);
        ReadEvent e = c.plain.decode(bytes, 0, bytes.length);
        for (Object v : e.values) {
          wholeValues += v instanceof GenericData.Record || v instanceof Map<?, ?> || v instanceof ByteBuffer ? 1 : 0;
        }
        assertThat(c.mapping.map(e, 77, got)).as(desc).isEqualTo(why);
        if (why == null) {
          JsonEventReaderTest.assertSame(desc, want, got);
          mapped++;
        } else {
          refused++;
        }
        // Read where the registry's wire format puts the body: after a 5-byte header (and here before junk).
        byte[] framed = new byte[bytes.length + 9];
        Arrays.fill(framed, (byte) 'z');
        System.arraycopy(bytes, 0, framed, 5, bytes.length);
        ReadEvent h = c.hashing.decode(framed, 5, bytes.length);
        for (Object v : h.values) {
          fast += v == JsonEventReader.HASHED ? 1 : 0;
          lists += v == JsonEventReader.HASHED_LIST ? 1 : 0;
          slow += v instanceof String s && !s.chars().allMatch(ch -> ch < 0x80) ? 1 : 0;
        }
        JsonHashedReadTest.assertHashedAsTheNames(c.mapping, reference, h, hasher, desc);
      }
    }
    assertThat(mapped).isGreaterThan(10_000);
    assertThat(refused).isGreaterThan(5_000);
    // Strings and arrays of strings hashed from the bytes, non-ASCII ones kept as text, non-scalars read whole:
    // all taken many times.
    assertThat(fast).isGreaterThan(5_000);
    assertThat(slow).isGreaterThan(500);
    assertThat(wholeValues).isGreaterThan(500);
    assertThat(lists).isGreaterThan(50);
  }

  /**
   * Maps walked by key (the shape `produce --value-format avro` writes: named fields in the maps categorical and
   * numeric): keys in any order, missing, repeated (the last counts), null values, non-ASCII keys and values, with
   * and without hashing, all mapped as the GenericRecord path maps them.
   */
  @Test
  void mapsWalkedByKeyAsTheGenericMap() throws Exception {
    Schema schema = new Schema.Parser().parse("""
        {"type": "record", "name": "E", "fields": [{"name": "y", "type": "boolean"},
          {"name": "c", "type": {"type": "map", "values": ["null", "string"]}},
          {"name": "n", "type": {"type": "map", "values": "double"}}]}""");
    EventMapping m = EventMapping.fromSpec(new SpecReader("input.mapping", Map.of("label", Map.of("field", "y"),
        "categorical", List.of(Map.of("field", "c.a", "name", "a"), Map.of("field", "c.b\u00e9", "name", "b"),
            Map.of("field", "c.z", "name", "z")),
        "numeric", List.of(Map.of("field", "n.x", "name", "x")))));
    AvroEventReader reader = new AvroEventReader(schema, m.fields(), m.hashable(), "");
    AvroEventReader named = new AvroEventReader(schema, m.fields());
    EventDecoder.Avro generic = new EventDecoder.Avro(schema, "");
    MurmurHash3.Utf8Hasher hasher = new MurmurHash3.Utf8Hasher();
    SplittableRandom r = new SplittableRandom(5);
    String[] keys = {"a", "b\u00e9", "z", "q", "x", "\u00e9"};
    String[] texts = {"v", "w\u00fc", "", "long value " + "x".repeat(300)};
    int hashed = 0;
    for (int i = 0; i < 5_000; i++) {
      // Entries written by hand so that keys can repeat: count, then key and value per entry, then 0.
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      org.apache.avro.io.BinaryEncoder enc = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
      enc.writeBoolean(r.nextBoolean());
      int entries = r.nextInt(7);
      if (entries > 0) {
        enc.writeMapStart();
        enc.setItemCount(entries);
        for (int k = 0; k < entries; k++) {
          enc.startItem();
          enc.writeString(keys[r.nextInt(keys.length)]);
          if (r.nextInt(5) == 0) {
            enc.writeIndex(0);
          } else {
            enc.writeIndex(1);
            enc.writeString(texts[r.nextInt(texts.length)]);
          }
        }
        enc.writeMapEnd();
      } else {
        enc.writeMapStart();
        enc.setItemCount(0);
        enc.writeMapEnd();
      }
      enc.writeMapStart();
      enc.setItemCount(1);
      enc.startItem();
      enc.writeString(r.nextBoolean() ? "x" : "y");
      enc.writeDouble(r.nextDouble());
      enc.writeMapEnd();
      enc.flush();
      byte[] bytes = out.toByteArray();
      ReadEvent e = named.decode(bytes, 0, bytes.length);
      Object reference = generic.decode(bytes);
      MutableSample want = new MutableSample();
      MutableSample got = new MutableSample();
      String why = m.map(reference, 0, want);
      assertThat(m.map(e, 0, got)).isEqualTo(why);
      if (why == null) {
        JsonEventReaderTest.assertSame(reference.toString(), want, got);
      }
      e = reader.decode(bytes, 0, bytes.length);
      hashed += e.anyHashed ? 1 : 0;
      assertThat(JsonHashedReadTest.assertHashedAsTheNames(m, reference, e, hasher, reference.toString())).isTrue();
    }
    assertThat(hashed).isGreaterThan(1_000);
  }

  @Test
  void arraysOfStringsHashedElementByElementAsTheirNames() throws Exception {
    Schema schema = new Schema.Parser().parse("""
        {"type": "record", "name": "Tags", "fields": [{"name": "y", "type": "boolean"},
          {"name": "tags", "type": {"type": "array", "items": "string"}},
          {"name": "u", "type": {"type": "record", "name": "U", "fields": [
            {"name": "more", "type": ["null", {"type": "array", "items": "string"}]}]}}]}""");
    EventMapping m = EventMapping.fromSpec(new SpecReader("input.mapping", Map.of("label", Map.of("field", "y"),
        "categorical", List.of("tags", Map.of("field", "u.more", "name", "m\u00f6re")))));
    AvroEventReader reader = new AvroEventReader(schema, m.fields(), m.hashable(), "");
    EventDecoder.Avro generic = new EventDecoder.Avro(schema, "");
    GenericDatumWriter<Object> writer = new GenericDatumWriter<>(schema);
    Gen g = new Gen(new SplittableRandom(3));
    MurmurHash3.Utf8Hasher hasher = new MurmurHash3.Utf8Hasher();
    int lists = 0;
    int texts = 0;
    for (int i = 0; i < 3_000; i++) {
      Object datum = g.datum(schema, 0);
      byte[] bytes = encode(writer, datum);
      ReadEvent e = reader.decode(bytes, 0, bytes.length);
      lists += e.values[1] == JsonEventReader.HASHED_LIST ? 1 : 0;
      texts += e.values[1] instanceof List<?> l && !l.isEmpty() ? 1 : 0;
      // u.more's name is not ASCII: its elements are kept as Strings, hashed in the mapping.
      assertThat(e.values[2]).isNotSameAs(JsonEventReader.HASHED_LIST);
      assertThat(JsonHashedReadTest.assertHashedAsTheNames(m, generic.decode(bytes), e, hasher, datum.toString()))
          .isTrue();
    }
    assertThat(lists).isGreaterThan(1_000);
    assertThat(texts).isGreaterThan(300);
  }

  @Test
  void truncatedAndTrailingBytesAreRefusedAndCorruptedOnesMapAsGenericRecords() throws Exception {
    SplittableRandom rnd = new SplittableRandom(99);
    int truncated = 0;
    int corruptRefused = 0;
    int corruptMapped = 0;
    int corruptSkipped = 0;
    for (int k = 0; k < 150; k++) {
      Case c = new Case(rnd);
      for (int i = 0; i < 20; i++) {
        byte[] bytes = encode(c.writer, c.gen.datum(c.schema, 0));
        for (int cut = 0; cut < bytes.length; cut += 1 + rnd.nextInt(3)) {
          byte[] part = Arrays.copyOf(bytes, cut);
          assertThatThrownBy(() -> c.generic.decode(part)).as(c.schema.toString()).isInstanceOf(IOException.class);
          assertThatThrownBy(() -> c.hashing.decode(part)).as(c.schema.toString())
              .hasMessage("truncated: the bytes end inside the Avro record");
          truncated++;
        }
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> c.hashing.decode(longer)).hasMessage("trailing bytes after the Avro record");
        byte[] bad = bytes.clone();
        if (bad.length > 0) {
          bad[rnd.nextInt(bad.length)] = (byte) rnd.nextInt(256);
        }
        Object reference;
        try {
          reference = c.generic.decode(bad);
        } catch (Exception | OutOfMemoryError e) {
          try {
            c.plain.decode(bad);
            // The damage lies in bytes the reader skips without reading them (e.g. an array block skipped by
            // its size in bytes), as the JSON reader skips a member without decoding its strings.
            corruptSkipped++;
          } catch (IOException | RuntimeException x) {
            corruptRefused++;
          }
          continue;
        }
        MutableSample want = new MutableSample();
        MutableSample got = new MutableSample();
        String why = c.mapping.map(reference, 5, want);
        assertThat(c.mapping.map(c.plain.decode(bad), 5, got)).isEqualTo(why);
        if (why == null) {
          JsonEventReaderTest.assertSame(c.schema.toString(), want, got);
        }
        corruptMapped++;
      }
    }
    assertThat(truncated).isGreaterThan(5_000);
    assertThat(corruptRefused).isGreaterThan(100);
    assertThat(corruptMapped).isGreaterThan(100);
    assertThat(corruptSkipped).isLessThan(corruptRefused / 10);
  }

  @Test
  void utf8BytesHashAsTheirStringAndInvalidOnesDoNot() {
    SplittableRandom rnd = new SplittableRandom(5);
    MurmurHash3.Utf8Hasher h = new MurmurHash3.Utf8Hasher();
    byte[] name = "n\u00e4me".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < 5_000; i++) {
      String value = JsonHashedReadTest.randomText(rnd);
      byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
      // What an Avro writer puts on the wire is the String's UTF-8 (a lone surrogate becomes '?'), and what the
      // generic reader gives back is those bytes decoded: the bytes hash as that String.
      String decoded = new String(utf8, StandardCharsets.UTF_8);
      assertThat(h.hash(name, 0, name.length, utf8, 0, utf8.length, 0, 1)).as(value)
          .isEqualTo(MurmurHash3.hashUtf8("n\u00e4me", decoded, 0, 1));
    }
    // Bytes that are not UTF-8 decode to U+FFFD: hashed from the bytes they would differ, hence the fallback to
    // the String for any non-ASCII value.
    byte[] invalid = {'a', (byte) 0xff};
    assertThat(h.hash(name, 0, name.length, invalid, 0, 2, 0, 1))
        .isNotEqualTo(MurmurHash3.hashUtf8("n\u00e4me", new String(invalid, StandardCharsets.UTF_8), 0, 1));
  }

  @Test
  void aSchemaThatIsNotARecordIsRefused() throws Exception {
    EventMapping m = EventMapping.fromSpec(new SpecReader("input.mapping", Map.of(
        "label", Map.of("field", "a"), "categorical", List.of("b"))));
    Schema map = Schema.createMap(Schema.create(Schema.Type.INT));
    byte[] bytes = encode(new GenericDatumWriter<>(map), new HashMap<>(Map.of("a", 1, "b", 7)));
    // The GenericRecord path failed on it too, with a ClassCastException.
    assertThatThrownBy(() -> new EventDecoder.Avro(map, "").decode(bytes)).isInstanceOf(ClassCastException.class);
    assertThatThrownBy(() -> new AvroEventReader(map, m.fields(), List.of(), " of schema id 3").decode(bytes))
        .hasMessage("the writer schema of schema id 3 is a map, not a record");
  }

  /** A random schema and mapping, with the GenericRecord decoder and the compiled readers of both kinds. */
  private static final class Case {
    final Gen gen;
    final Schema schema;
    final EventMapping mapping;
    final EventDecoder.Avro generic;
    final AvroEventReader plain;
    final AvroEventReader hashing;
    final GenericDatumWriter<Object> writer;

    Case(SplittableRandom rnd) {
      gen = new Gen(rnd);
      schema = gen.record(0);
      mapping = EventMapping.fromSpec(new SpecReader("input.mapping", gen.mapping(schema)));
      generic = new EventDecoder.Avro(schema, "");
      plain = new AvroEventReader(schema, mapping.fields());
      hashing = new AvroEventReader(schema, mapping.fields(), mapping.hashable(), "");
      writer = new GenericDatumWriter<>(schema);
    }
  }

  static byte[] encode(GenericDatumWriter<Object> writer, Object datum) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    writer.write(datum, enc);
    enc.flush();
    return out.toByteArray();
  }

  /** Random schemas, their data, and mappings of their paths. */
  static final class Gen {
    private final SplittableRandom r;
    private int names;

    Gen(SplittableRandom r) {
      this.r = r;
    }

    Schema record(int depth) {
      List<Schema.Field> fields = new ArrayList<>();
      List<String> pool = new ArrayList<>(Arrays.asList(NAMES));
      for (int n = r.nextInt(depth == 0 ? 3 : 1, 7); n > 0 && !pool.isEmpty(); n--) {
        fields.add(new Schema.Field(pool.remove(r.nextInt(pool.size())), type(depth + 1)));
      }
      return Schema.createRecord("R" + names++, null, "t", false, fields);
    }

    private Schema type(int depth) {
      int k = r.nextInt(depth >= 3 ? 11 : 17);
      return switch (k) {
        case 0 -> Schema.create(Schema.Type.BOOLEAN);
        case 1 -> Schema.create(Schema.Type.INT);
        case 2 -> Schema.create(Schema.Type.LONG);
        case 3 -> Schema.create(Schema.Type.FLOAT);
        case 4 -> Schema.create(Schema.Type.DOUBLE);
        case 5, 6 -> Schema.create(Schema.Type.STRING);
        case 7 -> Schema.create(Schema.Type.BYTES);
        case 8 -> Schema.createFixed("F" + names++, null, "t", r.nextInt(0, 5));
        case 9 -> Schema.createEnum("E" + names++, null, "t", List.of("x", "y", "id", "m1"));
        case 10 -> Schema.createUnion(Schema.create(Schema.Type.NULL), r.nextBoolean()
            ? Schema.create(Schema.Type.STRING) : nonNull(depth + 1));
        case 11 -> Schema.createArray(r.nextBoolean() ? Schema.create(Schema.Type.STRING) : type(depth + 1));
        case 12 -> Schema.createMap(type(depth + 1));
        case 13 -> Schema.createUnion(Schema.create(Schema.Type.STRING), Schema.create(Schema.Type.INT),
            Schema.create(Schema.Type.NULL));
        case 14 -> Schema.createUnion(Schema.create(Schema.Type.NULL), record(depth));
        case 15 -> Schema.create(Schema.Type.NULL);
        default -> record(depth);
      };
    }

    /** A type that may be a union's branch next to null: neither null nor a union. */
    private Schema nonNull(int depth) {
      Schema s = type(depth);
      return s.getType() == Schema.Type.NULL || s.getType() == Schema.Type.UNION ? nonNull(depth) : s;
    }

    Object datum(Schema s, int depth) {
      return switch (s.getType()) {
        case NULL -> null;
        case BOOLEAN -> r.nextBoolean();
        case INT -> r.nextInt(-3, 30);
        case LONG -> r.nextInt(4) == 0 ? 1_764_745_500_000L + r.nextInt(1_000_000) : (long) r.nextInt(-3, 30);
        case FLOAT -> r.nextInt(10) == 0 ? Float.NaN : (float) (r.nextDouble() * 20 - 5);
        case DOUBLE -> r.nextInt(10) == 0 ? Double.POSITIVE_INFINITY : r.nextDouble() * 20 - 5;
        case STRING -> r.nextInt(3) == 0 ? shortText() : TEXTS[r.nextInt(TEXTS.length)];
        case BYTES -> ByteBuffer.wrap(new byte[] {(byte) r.nextInt(256), 1});
        case FIXED -> new GenericData.Fixed(s, new byte[s.getFixedSize()]);
        case ENUM -> new GenericData.EnumSymbol(s, s.getEnumSymbols().get(r.nextInt(s.getEnumSymbols().size())));
        case UNION -> datum(s.getTypes().get(r.nextInt(s.getTypes().size())), depth);
        case ARRAY -> {
          List<Object> a = new ArrayList<>();
          for (int n = r.nextInt(depth > 2 ? 2 : 4); n > 0; n--) {
            a.add(datum(s.getElementType(), depth + 1));
          }
          yield a;
        }
        case MAP -> {
          Map<String, Object> mp = new LinkedHashMap<>();
          for (int n = r.nextInt(depth > 2 ? 2 : 4); n > 0; n--) {
            mp.put(KEYS[r.nextInt(KEYS.length)], datum(s.getValueType(), depth + 1));
          }
          yield mp;
        }
        case RECORD -> {
          GenericData.Record rec = new GenericData.Record(s);
          for (Schema.Field f : s.getFields()) {
            rec.put(f.pos(), datum(f.schema(), depth + 1));
          }
          yield rec;
        }
      };
    }

    /** Short random text: ASCII mostly, some non-ASCII (lone surrogates go on the wire as '?'). */
    private String shortText() {
      boolean ascii = r.nextInt(10) < 6;
      StringBuilder sb = new StringBuilder();
      for (int n = r.nextInt(12); n > 0; n--) {
        switch (r.nextInt(ascii ? 2 : 5)) {
          case 0 -> sb.append((char) r.nextInt(0, 0x80));
          case 2 -> sb.append((char) r.nextInt(0x80, 0xd800));
          case 3 -> sb.append("\ud83d\ude00");
          case 4 -> sb.append((char) r.nextInt(0xd800, 0xe000));
          default -> sb.append((char) r.nextInt('a', 'z' + 1));
        }
      }
      return sb.toString();
    }

    /** A mapping of {@code schema}'s paths (and some it does not have), mostly one that events satisfy. */
    Map<String, Object> mapping(Schema schema) {
      List<String> paths = new ArrayList<>();
      List<String> numbers = new ArrayList<>();
      List<String> texts = new ArrayList<>();
      paths(schema, "", 0, paths, numbers, texts);
      paths.add("nope");
      paths.add("a.0");
      paths.add("items.1.x");
      Map<String, Object> m = new LinkedHashMap<>();
      if (r.nextBoolean()) {
        m.put("model_id", Map.of("field", pick(texts, paths)));
      }
      int labelKind = r.nextInt(4);
      m.put("label", switch (labelKind) {
        case 0 -> Map.of("field", pick(texts, paths), "map", Map.of("x", 1, "y", 0, "1", 2, "true", 1, "m1", 3));
        case 1 -> Map.of("field", pick(numbers, paths), "threshold", 0.5);
        default -> Map.of("field", pick(numbers, paths));
      });
      if (r.nextInt(3) == 0) {
        m.put("weight", Map.of("field", pick(numbers, paths)));
      }
      if (r.nextInt(3) == 0) {
        m.put("event_time", Map.of("field", pick(numbers, paths), "unit", r.nextBoolean() ? "s" : "ms"));
      }
      List<Object> dense = new ArrayList<>();
      for (int n = r.nextInt(3); n > 0; n--) {
        dense.add(r.nextInt(4) == 0 ? pick(numbers, paths) : Map.of("field", pick(numbers, paths), "default", -1,
            "transform", r.nextBoolean() ? "log1p" : Map.of("clip", List.of(-1, 3))));
      }
      if (!dense.isEmpty()) {
        m.put("dense", dense);
      }
      List<Object> categorical = new ArrayList<>();
      for (int n = r.nextInt(1, 6); n > 0; n--) {
        String p = pick(texts, paths);
        categorical.add(switch (r.nextInt(6)) {
          case 0 -> Map.of("field", p, "name", "n\u00e4me" + n);
          case 1 -> Map.of("field", p, "transform", "lower");
          case 2 -> Map.of("field", p, "transform", Map.of("bucketize", List.of(0, 10)));
          default -> p;
        });
      }
      m.put("categorical", categorical);
      if (r.nextBoolean()) {
        m.put("numeric", List.of(pick(numbers, paths), Map.of("field", pick(numbers, paths), "name", "nn",
            "transform", "log1p")));
      }
      return m;
    }

    /** Mostly one of {@code good} (when there are any), else any of {@code paths}. */
    private String pick(List<String> good, List<String> paths) {
      List<String> from = good.isEmpty() || r.nextInt(10) < 2 ? paths : good;
      return from.get(r.nextInt(from.size()));
    }

    /**
     * Every path into {@code s} up to depth 4 (record fields, array indices 0 and 1, map keys) into {@code out};
     * those ending in a number or boolean also into {@code numbers}, in a string, enum or array of strings into
     * {@code texts}.
     */
    private static void paths(Schema s, String prefix, int depth, List<String> out, List<String> numbers,
        List<String> texts) {
      if (!prefix.isEmpty()) {
        out.add(prefix);
        switch (s.getType()) {
          case INT, LONG, FLOAT, DOUBLE, BOOLEAN -> numbers.add(prefix);
          case STRING, ENUM -> texts.add(prefix);
          case ARRAY -> {
            if (s.getElementType().getType() == Schema.Type.STRING) {
              texts.add(prefix);
            }
          }
          default -> { }
        }
      }
      if (depth >= 4) {
        return;
      }
      String p = prefix.isEmpty() ? "" : prefix + ".";
      switch (s.getType()) {
        case RECORD -> s.getFields().forEach(f -> paths(f.schema(), p + f.name(), depth + 1, out, numbers, texts));
        case UNION -> {
          if (!prefix.isEmpty()) {
            out.remove(out.size() - 1);
          }
          for (Schema b : s.getTypes()) {
            paths(b, prefix, depth, out, numbers, texts);
          }
        }
        case ARRAY -> {
          paths(s.getElementType(), p + "0", depth + 1, out, numbers, texts);
          paths(s.getElementType(), p + "1", depth + 1, out, numbers, texts);
        }
        case MAP -> {
          paths(s.getValueType(), p + "a", depth + 1, out, numbers, texts);
          paths(s.getValueType(), p + "0", depth + 1, out, numbers, texts);
        }
        default -> { }
      }
    }
  }
}
