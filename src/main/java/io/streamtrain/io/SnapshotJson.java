package io.streamtrain.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.List;
import org.apache.avro.generic.GenericRecord;

/**
 * The JSON of a {@code ModelSnapshot} record for a terminal: {@link AvroJson}'s form, except that a parameter
 * vector longer than {@value #FULL_UP_TO} values ({@code parameters}, the little-endian doubles of {@code
 * parameter_bytes}, a buffer's {@code values}) becomes a summary object: {@code count}, the {@code first}
 * {@value #FIRST} values, {@code min}, {@code max}, {@code l2} (non-finite values as AvroJson writes them). One
 * part of a big model is 65536 numbers (about 1.3 MB of JSON): printed in full, one record floods the screen and
 * says nothing a person can read.
 */
public final class SnapshotJson {
  /** Vectors up to this length print in full. */
  public static final int FULL_UP_TO = 16;
  static final int FIRST = 8;
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private SnapshotJson() {}

  /** The record's JSON with long vectors summarized. */
  public static JsonNode summarized(GenericRecord snapshot) {
    ObjectNode o = (ObjectNode) AvroJson.toJson(snapshot);
    Object params = snapshot.get("parameters");
    if (params instanceof List<?> l && l.size() > FULL_UP_TO) {
      o.set("parameters", summary(toDoubles(l)));
    }
    if (snapshot.getSchema().getField("parameter_bytes") != null
        && snapshot.get("parameter_bytes") instanceof ByteBuffer bb && bb.remaining() / Double.BYTES > FULL_UP_TO) {
      DoubleBuffer db = bb.duplicate().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer();
      double[] d = new double[db.remaining()];
      db.get(d);
      o.set("parameter_bytes", summary(d));
    }
    if (snapshot.get("buffers") instanceof List<?> bufs && o.get("buffers") instanceof ArrayNode arr) {
      for (int i = 0; i < bufs.size(); i++) {
        if (bufs.get(i) instanceof GenericRecord b && b.get("values") instanceof List<?> v && v.size() > FULL_UP_TO) {
          ((ObjectNode) arr.get(i)).set("values", summary(toDoubles(v)));
        }
      }
    }
    return o;
  }

  static ObjectNode summary(double[] d) {
    ObjectNode s = F.objectNode();
    s.put("count", d.length);
    ArrayNode first = F.arrayNode();
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double sq = 0;
    for (int i = 0; i < d.length; i++) {
      if (i < FIRST) {
        first.add(AvroJson.toJson(d[i]));
      }
      min = Math.min(min, d[i]);
      max = Math.max(max, d[i]);
      sq += d[i] * d[i];
    }
    s.set("first", first);
    s.set("min", AvroJson.toJson(min));
    s.set("max", AvroJson.toJson(max));
    s.set("l2", AvroJson.toJson(Math.sqrt(sq)));
    return s;
  }

  private static double[] toDoubles(List<?> l) {
    double[] d = new double[l.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = ((Number) l.get(i)).doubleValue();
    }
    return d;
  }
}
