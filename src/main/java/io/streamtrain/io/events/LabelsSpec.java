package io.streamtrain.io.events;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import io.streamtrain.io.MutableSample;
import java.io.Serializable;

/**
 * Delayed labels ({@code input.labels} in a job spec): the samples topic holds the features (mapped by
 * {@code input.mapping}, which then has no label) and a second topic holds label events (clicks, chargebacks),
 * joined by a key in event time ({@link io.streamtrain.core.data.LabelJoin} states the rule). Keys:
 * <ul>
 *   <li>{@code topic}: the labels topic (required, not the samples topic)
 *   <li>{@code format}: json, avro or avro_registry (default: the input's format); {@code schema} with avro (a
 *       file or inline JSON); avro_registry uses {@code input.registry}
 *   <li>{@code key}: the join key's path, the same on both sides ({@code key: impression_id}), or
 *       {@code {features: PATH, labels: PATH}}; a string, number or boolean, compared as text
 *   <li>{@code event_time}: {@code {field: PATH, unit: ms|s}} of the label event (default: its Kafka timestamp)
 *   <li>{@code label}: {@code {value: X}} (default {@code {value: 1}}: the event is the label), or a field as in
 *       the mapping's label ({@code {field: PATH}}, with {@code map} or {@code threshold})
 *   <li>{@code window_ms}: how long after a feature's event time its label may come (required, > 0)
 *   <li>{@code on_timeout}: negative (default: the feature becomes a sample of {@code negative_label}, default 0)
 *       or drop
 *   <li>{@code out_of_orderness_ms}: how far event times may go back within a partition of either topic (default
 *       0); the watermark of both topics trails their largest event time by this much. An event later than that
 *       is rejected as LATE_EVENT. It lives here, not in the job's {@code watermark_out_of_orderness_ms}, so a
 *       replay that reads this input section joins with the same bound.
 * </ul>
 */
public final class LabelsSpec implements Serializable {
  private static final long serialVersionUID = 1L;
  private final String topic;
  private final String format;
  private final String schemaJson;
  private final EventMapping.Field featureKey;
  private final EventMapping.Field labelKey;
  private final EventMapping.Field eventTime;
  private final boolean eventTimeSeconds;
  private final LabelRule label;
  private final long windowMs;
  private final boolean emitNegatives;
  private final double negativeLabel;
  private final long outOfOrdernessMs;
  private final long idleTimeoutMs;

  /**
   * The {@code input.labels} section's keys, declared once; {@code key}, {@code event_time} and {@code label} are
   * paths or small sections read by the event mapping's rules, and the cross-key rules run after parsing.
   */
  public static final ConfigDef SPEC = new ConfigDef();
  static final Key<String> TOPIC = SPEC.required("topic", Types.STRING, "");
  static final Key<String> FORMAT = SPEC.optional("format", Types.STRING, "");
  static final Key<Object> SCHEMA = SPEC.optional("schema", Types.ANY, "");
  static final Key<Object> KEY = SPEC.optional("key", Types.ANY, "");
  static final Key<Object> EVENT_TIME = SPEC.optional("event_time", Types.ANY, "");
  static final Key<Object> LABEL = SPEC.optional("label", Types.ANY, "");
  static final Key<Long> WINDOW_MS = SPEC.optional("window_ms", Types.LONG, "");
  static final Key<String> ON_TIMEOUT = SPEC.define("on_timeout", Types.STRING, "negative",
      Validators.<String>of(v -> v.equals("negative") || v.equals("drop"), "one of [negative, drop]"), "");
  static final Key<Double> NEGATIVE_LABEL = SPEC.define("negative_label", Types.DOUBLE, 0.0, "");
  static final Key<Long> OUT_OF_ORDERNESS_MS = SPEC.define("out_of_orderness_ms", Types.LONG, 0L,
      Validators.longAtLeast(0, "an integer >= 0 (milliseconds)"), "");
  static final Key<Long> IDLE_TIMEOUT_MS = SPEC.optional("idle_timeout_ms", Types.LONG, "");

  private LabelsSpec(SpecReader l, String inputFormat) {
    ConfigValues v = SPEC.parse(l);
    topic = v.get(TOPIC);
    format = Validators.oneOf(InputSpec.EVENT_FORMATS).check(l.key("format"), v.get(FORMAT, inputFormat));
    if (format.equals("avro")) {
      schemaJson = InputSpec.schemaText(l);
    } else if (v.has(SCHEMA)) {
      throw new SpecException(l.key("schema"), "only with format: avro (the labels topic's writer schema)");
    } else {
      schemaJson = null;
    }
    if (!v.has(KEY)) {
      throw new SpecException(l.key("key"), "missing; the join key's path, e.g. impression_id or "
          + "{features: id, labels: impression.id}");
    }
    if (v.get(KEY) instanceof String) {
      featureKey = EventMapping.field(l, "key");
      labelKey = featureKey;
    } else {
      SpecReader kr = l.child("key");
      kr.rejectUnknown("features", "labels");
      featureKey = EventMapping.field(kr, "features");
      labelKey = EventMapping.field(kr, "labels");
    }
    if (v.has(EVENT_TIME)) {
      SpecReader t = l.child("event_time");
      eventTime = EventMapping.field(t, "field");
      eventTimeSeconds = "s".equals(EventMapping.EVENT_TIME.parse(t).get(EventMapping.TIME_UNIT));
    } else {
      eventTime = null;
      eventTimeSeconds = false;
    }
    label = v.has(LABEL) ? LabelRule.parse(l.child("label"), true)
        : LabelRule.parse(new SpecReader(l.key("label"), java.util.Map.of("value", 1)), true);
    if (!v.has(WINDOW_MS)) {
      throw new SpecException(l.key("window_ms"), "missing; how long after a feature its label may come, in "
          + "milliseconds of event time (e.g. 3600000 for an hour)");
    }
    windowMs = Validators.longAtLeast(1, "an integer > 0 (milliseconds)").check(l.key("window_ms"), v.get(WINDOW_MS));
    emitNegatives = v.get(ON_TIMEOUT).equals("negative");
    if (v.has(NEGATIVE_LABEL) && !emitNegatives) {
      throw new SpecException(l.key("negative_label"), "only with on_timeout: negative");
    }
    negativeLabel = v.get(NEGATIVE_LABEL);
    outOfOrdernessMs = v.get(OUT_OF_ORDERNESS_MS);
    idleTimeoutMs = v.has(IDLE_TIMEOUT_MS) ? Validators.longAtLeast(1, "an integer > 0 (milliseconds of wall-clock "
        + "time), or leave it out: no partition is ever taken for idle").check(l.key("idle_timeout_ms"),
        v.get(IDLE_TIMEOUT_MS)) : 0;
  }

  /** Parses {@code input.labels}; {@code inputFormat} is the features' format (the default). */
  public static LabelsSpec parse(SpecReader l, String inputFormat) {
    return new LabelsSpec(l, inputFormat);
  }

  public String topic() {
    return topic;
  }

  public String format() {
    return format;
  }

  public long windowMs() {
    return windowMs;
  }

  public boolean emitNegatives() {
    return emitNegatives;
  }

  public double negativeLabel() {
    return negativeLabel;
  }

  /**
   * After how many milliseconds (wall clock) without a record a partition of either topic stops holding the
   * watermark back ({@code idle_timeout_ms}); 0: never (the default, which keeps decisions independent of timing).
   */
  public long idleTimeoutMs() {
    return idleTimeoutMs;
  }

  /** The watermark's bound on both topics ({@code out_of_orderness_ms}). */
  public long outOfOrdernessMs() {
    return outOfOrdernessMs;
  }

  /** The labels topic's records as an input (format, schema, the input's registry) for {@link EventDecoder#of}. */
  public InputSpec decoderInput(InputSpec features) {
    return new InputSpec(format, null, schemaJson, features.registryUrl(), features.registryUser(),
        features.registryPassword(), null);
  }

  /** The fields a label event is read at (join key, event time, label). */
  public java.util.List<EventMapping.Field> labelFields() {
    java.util.List<EventMapping.Field> out = new java.util.ArrayList<>();
    for (EventMapping.Field f : new EventMapping.Field[] {labelKey, eventTime, label.field()}) {
      if (f != null) {
        out.add(f);
      }
    }
    return out;
  }

  /** The field a features event's join key is read at. */
  public EventMapping.Field featureKeyField() {
    return featureKey;
  }

  /** The join key of a features event, or null when its key field is missing or not a value. */
  public String featureKey(Object event) {
    return key(event, featureKey);
  }

  public String featureKeyPath() {
    return featureKey.path();
  }

  /**
   * Maps a label event into {@code out}: {@code key}, {@code eventTime} ({@code kafkaTimestamp} unless a field is
   * named) and the label. Returns null when it maps, else why not, naming the path.
   */
  public String map(Object event, long kafkaTimestamp, MutableSample out) {
    out.clear();
    if (!Values.isObject(event)) {
      return "the label event is not an object or record";
    }
    out.key = key(event, labelKey);
    if (out.key == null) {
      return labelKey.path() + ": missing (the join key)";
    }
    if (eventTime != null) {
      Object t = EventMapping.find(event, eventTime);
      if (t == null || !Values.isNumber(t)) {
        return eventTime.path() + ": " + (t == null ? "missing" : "not a number") + " (the label's event time)";
      }
      out.eventTime = eventTimeSeconds ? Math.round(Values.number(t) * 1000.0) : Values.longValue(t);
    } else {
      out.eventTime = kafkaTimestamp;
    }
    return label.apply(event, out);
  }

  private static String key(Object event, EventMapping.Field f) {
    Object v = Values.isObject(event) ? EventMapping.find(event, f) : null;
    return v == null || !Values.isScalar(v) ? null : Values.text(v);
  }
}
