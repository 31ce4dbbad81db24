package io.streamtrain.io.events;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;

/**
 * The steps {@link AvroEventReader} is compiled into: what each does (skip a value of a type, keep one in a slot,
 * walk into it), and the steps that skip a schema's values or read them whole.
 */
final class AvroSteps {
  private AvroSteps() {}

  // What a step of the compiled reader does: skip a value of a type, keep one in a slot, or walk into it.
  static final int SKIP_NULL = 0;
  static final int SKIP_BOOLEAN = 1;
  static final int SKIP_VARINT = 2;
  static final int SKIP_FLOAT = 3;
  static final int SKIP_DOUBLE = 4;
  static final int SKIP_BYTES = 5;
  static final int SKIP_FIXED = 6;
  static final int SKIP_ENUM = 7;
  static final int SKIP_ARRAY = 8;
  static final int SKIP_MAP = 9;
  static final int UNION = 10;
  static final int RECORD = 11;
  static final int KEEP_BOOLEAN = 12;
  static final int KEEP_INT = 13;
  static final int KEEP_LONG = 14;
  static final int KEEP_FLOAT = 15;
  static final int KEEP_DOUBLE = 16;
  static final int KEEP_STRING = 17;
  static final int HASH_STRING = 18;
  static final int KEEP_ENUM = 19;
  static final int STRING_ARRAY = 20;
  static final int WHOLE = 21;
  static final int HASH_STRING_ARRAY = 22;
  static final int MAP_KEYS = 23;

  /** One step: what it does, the slot it fills (-1: none), and what it needs for that. */
  static final class Step {
    final int op;
    final int slot;
    /** The steps of a record's fields, a union's branches, or an array's or map's items (parts[0]). */
    Step[] parts;
    /** A fixed's size, an enum's symbol count. */
    int size;
    String[] symbols;
    /** A value read whole, and the paths below it (steps, slot) walked in it. */
    GenericDatumReader<Object> whole;
    List<Object[]> below;
    /**
     * A map walked by key: the UTF-8 bytes of the keys on the paths, the slots under each (cleared when the key
     * occurs again: the last occurrence counts, as in the generic path's map), and per entry position the key
     * matched there in the last event (a hint; -1: none). parts[0] skips a value, parts[1 + k] reads key k's.
     */
    byte[][] keys;
    int[][] keySlots;
    int[] hint = new int[0];

    Step(int op, int slot) {
      this.op = op;
      this.slot = slot;
    }
  }

  /** A step reading a value of {@code schema} whole, as the GenericRecord path would, then its paths below. */
  static Step whole(Schema schema, JsonEventReader.Node n) {
    Step s = new Step(WHOLE, n.slot);
    s.whole = new GenericDatumReader<>(schema);
    s.below = n.below;
    return s;
  }

  /** The step skipping a value of {@code schema} (one per schema, so recursive schemas compile). */
  static Step skip(Schema schema, Map<Schema, Step> skips) {
    Step known = skips.get(schema);
    if (known != null) {
      return known;
    }
    Step s = switch (schema.getType()) {
      case NULL -> new Step(SKIP_NULL, -1);
      case BOOLEAN -> new Step(SKIP_BOOLEAN, -1);
      case INT, LONG -> new Step(SKIP_VARINT, -1);
      case FLOAT -> new Step(SKIP_FLOAT, -1);
      case DOUBLE -> new Step(SKIP_DOUBLE, -1);
      case STRING, BYTES -> new Step(SKIP_BYTES, -1);
      case FIXED -> new Step(SKIP_FIXED, -1);
      case ENUM -> new Step(SKIP_ENUM, -1);
      case ARRAY -> new Step(SKIP_ARRAY, -1);
      case MAP -> new Step(SKIP_MAP, -1);
      case UNION -> new Step(UNION, -1);
      case RECORD -> new Step(RECORD, -1);
    };
    skips.put(schema, s);
    switch (schema.getType()) {
      case FIXED -> s.size = schema.getFixedSize();
      case ENUM -> {
        s.symbols = schema.getEnumSymbols().toArray(new String[0]);
        s.size = s.symbols.length;
      }
      case ARRAY -> s.parts = new Step[] {skip(schema.getElementType(), skips)};
      case MAP -> s.parts = new Step[] {skip(schema.getValueType(), skips)};
      case UNION -> s.parts = schema.getTypes().stream().map(b -> skip(b, skips)).toArray(Step[]::new);
      case RECORD -> s.parts = schema.getFields().stream().map(f -> skip(f.schema(), skips)).toArray(Step[]::new);
      default -> { }
    }
    return s;
  }

  /** Keeps {@code v}, read whole, in the step's slot and the values of the paths below it in theirs. */
  static void keep(Step s, Object v, Object[] values) {
    if (s.slot >= 0) {
      values[s.slot] = v;
    }
    for (Object[] b : s.below) {
      values[(Integer) b[1]] = EventMapping.walk(v, (String[]) b[0]);
    }
  }

  /**
   * Which of a {@link #MAP_KEYS} step's keys the key in {@code input[from, from+len)}, entry {@code at} of its map,
   * is (-1: none): first the key met at that entry in the last event, then each in turn.
   */
  static int keyOf(Step s, int at, byte[] input, int from, int len) {
    if (at < s.hint.length) {
      int h = s.hint[at];
      if (h >= 0 && same(s.keys[h], input, from, len)) {
        return h;
      }
    }
    int found = -1;
    for (int k = 0; k < s.keys.length && found < 0; k++) {
      if (same(s.keys[k], input, from, len)) {
        found = k;
      }
    }
    if (at < 64) {
      if (at >= s.hint.length) {
        int old = s.hint.length;
        s.hint = java.util.Arrays.copyOf(s.hint, at + 1);
        java.util.Arrays.fill(s.hint, old, s.hint.length, -1);
      }
      s.hint[at] = found;
    }
    return found;
  }

  private static boolean same(byte[] key, byte[] input, int from, int len) {
    return key.length == len && java.util.Arrays.equals(key, 0, len, input, from, from + len);
  }

  /**
   * The length of a string or bytes value. BinaryDecoder's own skips do not check it, and a negative one (in
   * corrupt bytes) would move them backwards.
   */
  static int length(BinaryDecoder d, String where) throws IOException {
    int n = d.readInt();
    if (n < 0) {
      throw new IOException("a negative length (" + n + ") in the Avro record" + where);
    }
    return n;
  }

  /**
   * The item count of an array's or map's next block to skip item by item (0: the end); blocks that give their
   * size in bytes (a negative count) are skipped whole here.
   */
  static long blockCount(BinaryDecoder d, String where) throws IOException {
    long n = d.readLong();
    while (n < 0) {
      long size = d.readLong();
      if (size < 0 || size > Integer.MAX_VALUE) {
        throw new IOException("a block size out of range (" + size + ") in the Avro record" + where);
      }
      d.skipFixed((int) size);
      n = d.readLong();
    }
    return n;
  }

  static String symbol(Step s, BinaryDecoder d, String where) throws IOException {
    int i = d.readEnum();
    if (i < 0 || i >= s.size) {
      throw new IOException("enum symbol " + i + " out of range (" + s.size + " symbols)" + where);
    }
    return s.symbols[i];
  }
}
