package io.streamtrain.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Decodes Avro binary records of the streamtrain schemas into plain JSON for people and scripts: objects with
 * the schema's field names in schema order, union values unwrapped (a label prints as 1.0, true or 3 according to
 * its branch), timestamps as epoch milliseconds, bytes as base64, and non-finite doubles as the strings "NaN",
 * "Infinity", "-Infinity" (JSON has no literal for them). Without a schema header, {@link #detect} tries each
 * schema and accepts the first that consumes exactly all bytes.
 */
public final class AvroJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private AvroJson() {}

  /** The decoded record, or empty when the bytes are not exactly one record of {@code schema}. */
  public static Optional<GenericRecord> decode(Schema schema, byte[] bytes) {
    return decode(schema, schema, bytes);
  }

  /** The record written with {@code writer}, resolved to {@code reader} (Avro schema resolution). */
  public static Optional<GenericRecord> decode(Schema writer, Schema reader, byte[] bytes) {
    try {
      BinaryDecoder d = DecoderFactory.get().binaryDecoder(bytes, null);
      GenericRecord r = new GenericDatumReader<GenericRecord>(writer, reader, GenericData.get()).read(null, d);
      return d.isEnd() ? Optional.of(r) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Tries every streamtrain schema in {@link Schemas#ALL} order. */
  public static Optional<GenericRecord> detect(byte[] bytes) {
    for (Schema s : Schemas.ALL) {
      Optional<GenericRecord> r = decode(s, bytes);
      if (r.isPresent()) {
        return r;
      }
    }
    return Optional.empty();
  }

  public static JsonNode toJson(Object value) {
    if (value == null) {
      return F.nullNode();
    }
    if (value instanceof GenericRecord r) {
      ObjectNode o = F.objectNode();
      for (Schema.Field f : r.getSchema().getFields()) {
        o.set(f.name(), toJson(r.get(f.pos())));
      }
      return o;
    }
    if (value instanceof Double d) {
      return Double.isFinite(d) ? F.numberNode(d) : F.textNode(d.isNaN() ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
    }
    if (value instanceof Float fl) {
      return toJson((double) fl);
    }
    if (value instanceof Integer i) {
      return F.numberNode(i);
    }
    if (value instanceof Long l) {
      return F.numberNode(l);
    }
    if (value instanceof Boolean b) {
      return F.booleanNode(b);
    }
    if (value instanceof CharSequence cs) {
      return F.textNode(cs.toString());
    }
    if (value instanceof ByteBuffer bb) {
      ByteBuffer dup = bb.duplicate();
      byte[] b = new byte[dup.remaining()];
      dup.get(b);
      return F.textNode(Base64.getEncoder().encodeToString(b));
    }
    if (value instanceof GenericData.Fixed fx) {
      return F.textNode(Base64.getEncoder().encodeToString(fx.bytes()));
    }
    if (value instanceof Map<?, ?> m) {
      ObjectNode o = F.objectNode();
      // Avro maps decode into hash maps; sort keys so the output is reproducible.
      new java.util.TreeMap<>(stringKeys(m)).forEach((k, v) -> o.set(k, toJson(v)));
      return o;
    }
    if (value instanceof Collection<?> c) {
      ArrayNode a = F.arrayNode(c.size());
      for (Object e : c) {
        a.add(toJson(e));
      }
      return a;
    }
    return F.textNode(value.toString());
  }

  private static Map<String, Object> stringKeys(Map<?, ?> m) {
    Map<String, Object> out = new java.util.HashMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), v));
    return out;
  }
}
