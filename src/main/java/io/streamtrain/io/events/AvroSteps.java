package io.streamtrain.io.events;

import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;

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
}
