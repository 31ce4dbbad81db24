package io.streamtrain.io.events;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;

/**
 * The few questions {@link EventMapping} asks of an event's values, answered alike for Jackson trees and for
 * Avro's generic data (records, maps with Utf8 keys, arrays, Utf8 and String text, boxed numbers, booleans,
 * enum symbols). A JSON null and an Avro null both read as absent.
 */
final class Values {
  private Values() {}

  static boolean isObject(Object o) {
    return o instanceof JsonNode j ? j.isObject() : o instanceof ReadEvent e ? e.object
        : o instanceof GenericRecord || o instanceof Map<?, ?>;
  }

  /**
   * The field {@code name} of an object, or element {@code name} (a decimal index) of an array; null when absent,
   * null-valued, out of range, or {@code o} is neither.
   */
  static Object child(Object o, String name) {
    if (isArray(o)) {
      int i = index(name);
      if (o instanceof JsonNode j) {
        JsonNode c = i < 0 ? null : j.get(i);
        return c == null || c.isNull() ? null : c;
      }
      List<?> l = (List<?>) o;
      return i < 0 || i >= l.size() ? null : l.get(i);
    }
    if (o instanceof JsonNode j) {
      JsonNode c = j.get(name);
      return c == null || c.isNull() ? null : c;
    }
    if (o instanceof GenericRecord r) {
      Schema.Field f = r.getSchema().getField(name);
      return f == null ? null : r.get(f.pos());
    }
    if (o instanceof Map<?, ?> m) {
      Object v = m.get(new Utf8(name));
      return v != null ? v : m.get(name);
    }
    return null;
  }

  /** A non-negative decimal index, or -1. */
  private static int index(String step) {
    if (step.isEmpty() || step.length() > 9) {
      return -1;
    }
    for (int k = 0; k < step.length(); k++) {
      if (step.charAt(k) < '0' || step.charAt(k) > '9') {
        return -1;
      }
    }
    return Integer.parseInt(step);
  }

  static boolean isNumber(Object o) {
    return o instanceof JsonNode j ? j.isNumber() : o instanceof Number;
  }

  static double number(Object o) {
    return o instanceof JsonNode j ? j.doubleValue() : ((Number) o).doubleValue();
  }

  static long longValue(Object o) {
    return o instanceof JsonNode j ? j.longValue() : ((Number) o).longValue();
  }

  static boolean isBoolean(Object o) {
    return o instanceof JsonNode j ? j.isBoolean() : o instanceof Boolean;
  }

  static boolean bool(Object o) {
    return o instanceof JsonNode j ? j.booleanValue() : (Boolean) o;
  }

  /** A string, number, boolean or enum symbol. */
  static boolean isScalar(Object o) {
    return o instanceof JsonNode j ? j.isValueNode() && !j.isNull()
        : o instanceof CharSequence || o instanceof Number || o instanceof Boolean || o instanceof GenericEnumSymbol;
  }

  static String text(Object o) {
    return o instanceof JsonNode j ? j.asText() : String.valueOf(o);
  }

  static boolean isArray(Object o) {
    return o instanceof JsonNode j ? j.isArray() : o instanceof List<?>;
  }

  /** The elements of an array, nulls kept as null. */
  static List<Object> elements(Object o) {
    List<Object> out = new ArrayList<>();
    if (o instanceof JsonNode j) {
      for (JsonNode e : j) {
        out.add(e.isNull() ? null : e);
      }
    } else {
      out.addAll((List<?>) o);
    }
    return out;
  }
}
