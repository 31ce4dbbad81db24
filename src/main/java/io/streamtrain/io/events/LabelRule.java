package io.streamtrain.io.events;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.Types;
import java.util.List;
import io.streamtrain.io.MutableSample;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where an event's label comes from: {@code {field: PATH}} (a boolean gives 0/1, a number itself), with
 * {@code map: {TEXT: NUMBER}} for text labels or {@code threshold: T} (1 when the number is above T, else 0); for
 * a labels topic also {@code {value: X}}, a constant (a click event is a positive by being there).
 */
final class LabelRule implements Serializable {
  private static final long serialVersionUID = 1L;
  private final EventMapping.Field field;
  private final Map<String, Double> map;
  private final Double threshold;
  private final Double constant;

  private LabelRule(EventMapping.Field field, Map<String, Double> map, Double threshold, Double constant) {
    this.field = field;
    this.map = map;
    this.threshold = threshold;
    this.constant = constant;
  }

  /** A mapping's {@code label}: {@code {field: PATH}} with {@code map} or {@code threshold}. */
  static final ConfigDef FIELD_LABEL = new ConfigDef();
  /** A labels topic's {@code label}: as a mapping's, or {@code {value: X}} (a constant). */
  static final ConfigDef TOPIC_LABEL = new ConfigDef();
  static {
    for (ConfigDef d : List.of(FIELD_LABEL, TOPIC_LABEL)) {
      d.optional("field", Types.STRING, "");
      d.optional("map", Types.MAP, "");
      d.optional("threshold", Types.DOUBLE, "");
    }
    TOPIC_LABEL.optional("value", Types.DOUBLE, "");
  }

  /** Parses a {@code label} section; {@code allowConstant}: {@code value} is allowed instead of a field. */
  static LabelRule parse(SpecReader l, boolean allowConstant) {
    (allowConstant ? TOPIC_LABEL : FIELD_LABEL).parse(l);
    if (allowConstant) {
      if (l.has("value")) {
        for (String k : new String[] {"field", "map", "threshold"}) {
          if (l.has(k)) {
            throw new SpecException(l.key(k), "not with value (a constant label reads no field)");
          }
        }
        return new LabelRule(null, null, null, l.requireDouble("value"));
      }
    }
    EventMapping.Field f = EventMapping.field(l, "field");
    if (l.has("map") && l.has("threshold")) {
      throw new SpecException(l.key("map"), "give either map (string labels) or threshold (numbers), not both");
    }
    Map<String, Double> m = null;
    if (l.has("map")) {
      m = new LinkedHashMap<>();
      SpecReader mr = l.child("map");
      for (String k : mr.map().keySet()) {
        m.put(k, SpecReader.toDouble(mr.key(k), mr.raw(k)));
      }
      if (m.isEmpty()) {
        throw new SpecException(l.key("map"), "empty; map each label text to a number, e.g. {yes: 1, no: 0}");
      }
    }
    return new LabelRule(f, m, l.has("threshold") ? l.requireDouble("threshold") : null, null);
  }

  /** The field the label is read from; null for a constant label. */
  EventMapping.Field field() {
    return field;
  }

  /** Sets {@code out}'s label from {@code event}; null when it maps, else why not (naming the path). */
  String apply(Object event, MutableSample out) {
    if (constant != null) {
      out.setRealLabel(constant);
      return null;
    }
    Object y = EventMapping.find(event, field);
    if (y == null) {
      return field.path() + ": missing (the label field)";
    }
    if (map != null) {
      Double v = Values.isScalar(y) ? map.get(Values.text(y)) : null;
      if (v == null) {
        return field.path() + ": '" + Values.text(y) + "' is not one of the mapped labels " + map.keySet();
      }
      out.setRealLabel(v);
    } else if (threshold != null) {
      if (!Values.isNumber(y)) {
        return field.path() + ": not a number (the label, with a threshold)";
      }
      out.setBinaryLabel(Values.number(y) > threshold);
    } else if (Values.isBoolean(y)) {
      out.setBinaryLabel(Values.bool(y));
    } else if (Values.isNumber(y)) {
      out.setRealLabel(Values.number(y));
    } else {
      return field.path() + ": '" + Values.text(y) + "' is not a number or boolean (give label.map for text labels)";
    }
    return null;
  }
}
