package io.streamtrain.io.events;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.avro.generic.GenericRecord;
import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.MurmurHash3;
import io.streamtrain.io.MutableSample;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns an event of the user's own shape (a JSON object or an Avro record) into a training {@link MutableSample} by configuration
 * alone: the job spec's {@code input.mapping} section. Keys:
 * <ul>
 *   <li>{@code model_id}: a constant string, or {@code {field: PATH}} (default the constant "default")
 *   <li>{@code label}: {@code {field: PATH}} (a boolean gives a binary label, a number a real one), with
 *       {@code map: {TEXT: NUMBER, ...}} for string labels, or {@code threshold: T} (label 1 when the number is
 *       above T, else 0). Required, except with {@code input.labels} ({@link LabelsSpec}), which refuses it
 *   <li>{@code weight}: {@code {field: PATH}} (optional; default 1)
 *   <li>{@code event_time}: {@code {field: PATH, unit: ms|s}} (epoch milliseconds or seconds; default: the Kafka
 *       record's timestamp)
 *   <li>{@code dense}: a list of fields, each {@code PATH} or {@code {field: PATH, transform: T, default: X}}: the
 *       model's dense columns in this order (a missing field without a default rejects the event)
 *   <li>{@code categorical}: a list of fields, each {@code PATH} or {@code {field: PATH, name: N, transform: T}},
 *       hashed as {@code name=value} (name defaults to the path); a string, number or boolean value is its text;
 *       an array gives one field per element (e.g. a list of item ids); a missing or null field is skipped
 *   <li>{@code numeric}: a list of fields as above, hashed by name with the (transformed) number as value
 * </ul>
 * PATH is a dotted path into nested objects, with decimal steps for array elements ({@code user.geo.country},
 * {@code scores.0}). Transforms: {@code log1p}, {@code lower}
 * (strings), {@code clip: [LO, HI]}, {@code bucketize: [B1, B2, ...]} (a number becomes the index of its bucket:
 * the count of boundaries at or below it, as a categorical value), {@code hour_of_day} and {@code weekday}
 * (epoch milliseconds to 0-23 and 1-7, Monday 1, UTC). An event that does not map is rejected with the path and
 * the reason ({@link #map} returns the message). Immutable and serializable (Flink ships it to the source).
 */
public final class EventMapping implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The {@code input.mapping} section's keys (values are paths, or small sections declared below). */
  public static final ConfigDef SPEC = new ConfigDef();
  static {
    for (String k : List.of("model_id", "label", "weight", "event_time", "dense", "categorical", "numeric")) {
      SPEC.optional(k, Types.ANY, "");
    }
  }
  public static final List<String> KEYS = SPEC.names();
  /** {@code weight: {field: PATH}}. */
  static final ConfigDef WEIGHT = new ConfigDef();
  static final Key<String> WEIGHT_FIELD = WEIGHT.required("field", Types.STRING, "");
  /** {@code event_time: {field: PATH, unit: ms|s}} (also the labels topic's). */
  static final ConfigDef EVENT_TIME = new ConfigDef();
  static final Key<String> TIME_FIELD = EVENT_TIME.required("field", Types.STRING, "");
  static final Key<String> TIME_UNIT = EVENT_TIME.define("unit", Types.STRING, "ms",
      Validators.oneOf(List.of("ms", "s")), "");
  /** A field entry's path and transform, shared by both kinds of entry below. */
  static final Key<String> ENTRY_FIELD = new ConfigDef().required("field", Types.STRING, "");
  static final Key<Transformation> ENTRY_TRANSFORM = new ConfigDef().optional("transform", Transformation::parse,
      "");
  /** A dense column: {@code {field: PATH, transform: T, default: X}}. */
  static final ConfigDef DENSE_FIELD = new ConfigDef();
  static final Key<Double> DENSE_DEFAULT;
  /** A categorical or numeric field: {@code {field: PATH, name: N, transform: T}}. */
  static final ConfigDef NAMED_FIELD = new ConfigDef();
  static final Key<String> NAMED_NAME;
  static {
    DENSE_FIELD.declare(ENTRY_FIELD);
    DENSE_FIELD.declare(ENTRY_TRANSFORM);
    DENSE_DEFAULT = DENSE_FIELD.optional("default", Types.DOUBLE, "");
    NAMED_FIELD.declare(ENTRY_FIELD);
    NAMED_NAME = NAMED_FIELD.optional("name", Types.STRING, "");
    NAMED_FIELD.declare(ENTRY_TRANSFORM);
  }

  /** How a field's value is changed before use. */
  enum Transform { NONE, LOG1P, LOWER, CLIP, BUCKETIZE, HOUR_OF_DAY, WEEKDAY }

  /** One mapped field: where it is, what it is called, how it is transformed. */
  record Field(String path, String[] steps, String name, Transform transform, double[] args, Double dflt)
      implements Serializable {}

  private final String modelIdConst;
  private final Field modelId;
  /** Null with delayed labels ({@code input.labels}): the label comes from the labels topic. */
  private final LabelRule label;
  private final Field weight;
  private final Field eventTime;
  private final boolean eventTimeSeconds;
  private final Field[] dense;
  private final Field[] categorical;
  private final Field[] numeric;
  /** Per numeric field: the hash pair of its name ({@code MurmurHash3.hashUtf8(name, null, ...)}), for hashing. */
  private final long[] numericHashes;

  /**
   * What {@link #map(Object, long, MutableSample, Function, MurmurHash3.Utf8Hasher)} returns (this instance) when
   * the event holds values its reader hashed ({@link JsonEventReader#HASHED}) but the model id has no hashed
   * feature space: decode the event again with a reader that keeps every value and map it without hashing.
   */
  public static final String NEEDS_TEXT = new String("the event must be decoded again with its text");

  private EventMapping(SpecReader r, boolean joinedLabels) {
    SPEC.parse(r);
    Object mid = r.raw("model_id");
    if (mid == null || mid instanceof String) {
      modelIdConst = mid == null ? "default" : (String) mid;
      modelId = null;
    } else {
      modelIdConst = null;
      modelId = field(SpecReader.asReader(r.key("model_id"), mid), "field");
    }
    if (joinedLabels) {
      if (r.has("label")) {
        throw new SpecException(r.key("label"), "not with input.labels: the label comes from the labels topic");
      }
      label = null;
    } else if (!r.has("label")) {
      throw new SpecException(r.key("label"), "missing; the field holding each event's label, e.g. {field: clicked}");
    } else {
      label = LabelRule.parse(r.child("label"), false);
    }
    if (r.has("weight")) {
      SpecReader w = r.child("weight");
      WEIGHT.parse(w);
      weight = field(w, "field");
    } else {
      weight = null;
    }
    if (r.has("event_time")) {
      SpecReader t = r.child("event_time");
      eventTime = field(t, "field");
      eventTimeSeconds = "s".equals(EVENT_TIME.parse(t).get(TIME_UNIT));
    } else {
      eventTime = null;
      eventTimeSeconds = false;
    }
    dense = fields(r, "dense", true);
    categorical = fields(r, "categorical", false);
    numeric = fields(r, "numeric", false);
    numericHashes = new long[numeric.length];
    for (int i = 0; i < numeric.length; i++) {
      numericHashes[i] = MurmurHash3.hashUtf8(numeric[i].name, null, FeatureSpace.INDEX_SEED, FeatureSpace.SIGN_SEED);
    }
    if (dense.length + categorical.length + numeric.length == 0) {
      throw new SpecException(r.path(), "no features mapped; give dense, categorical and/or numeric fields");
    }
    for (Field f : numeric) {
      if (f.transform == Transform.LOWER || f.transform == Transform.BUCKETIZE) {
        throw new SpecException(r.key("numeric"), f.path + ": transform " + f.transform.name().toLowerCase()
            + " makes text; use it in categorical");
      }
    }
  }

  /** The mapping of a job spec's {@code input.mapping} section. */
  public static EventMapping fromSpec(SpecReader r) {
    return new EventMapping(r, false);
  }

  /**
   * With {@code joinedLabels} (the job has {@code input.labels}) the mapping gives no label: {@code label} is
   * refused and {@link #map} leaves the sample unlabelled.
   */
  public static EventMapping fromSpec(SpecReader r, boolean joinedLabels) {
    return new EventMapping(r, joinedLabels);
  }

  static Field field(SpecReader r, String key) {
    String path = r.requireString(key);
    return new Field(path, steps(r.key(key), path), path, Transform.NONE, null, null);
  }

  private static String[] steps(String key, String path) {
    String[] s = path.split("\\.", -1);
    for (String step : s) {
      if (step.isEmpty()) {
        throw new SpecException(key, path, "a dotted path of field names, e.g. user.country");
      }
    }
    return s;
  }

  private static Field[] fields(SpecReader r, String key, boolean isDense) {
    if (!r.has(key)) {
      return new Field[0];
    }
    List<?> list = SpecReader.toList(r.key(key), r.raw(key));
    List<Field> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String k = r.key(key) + "[" + i + "]";
      Object o = list.get(i);
      if (o instanceof String path) {
        out.add(new Field(path, steps(k, path), path, Transform.NONE, null, null));
        continue;
      }
      ConfigValues f = (isDense ? DENSE_FIELD : NAMED_FIELD).parse(SpecReader.asReader(k, o));
      String path = f.get(ENTRY_FIELD);
      String name = isDense ? path : f.get(NAMED_NAME, path);
      Transformation tr = f.has(ENTRY_TRANSFORM) ? f.get(ENTRY_TRANSFORM) : Transformation.NONE;
      if (isDense && (tr.transform() == Transform.LOWER || tr.transform() == Transform.BUCKETIZE)) {
        throw new SpecException(f.path(ENTRY_TRANSFORM), "makes text; a dense column needs a number");
      }
      Double dflt = isDense ? f.get(DENSE_DEFAULT) : null;
      out.add(new Field(path, steps(f.path(ENTRY_FIELD), path), name, tr.transform(), tr.args(), dflt));
    }
    return out.toArray(new Field[0]);
  }

  /**
   * Every field this mapping reads, in the order {@link #map} asks for them (model id, event time, label, weight,
   * dense, categorical, numeric): the JSON reader answers the next field asked without a search.
   */
  public List<Field> fields() {
    List<Field> out = new ArrayList<>();
    for (Field f : new Field[] {modelId, eventTime, label == null ? null : label.field(), weight}) {
      if (f != null) {
        out.add(f);
      }
    }
    out.addAll(Arrays.asList(dense));
    out.addAll(Arrays.asList(categorical));
    out.addAll(Arrays.asList(numeric));
    return out;
  }

  /** The categorical fields whose string values may be hashed as they are read: those without a transform. */
  public List<Field> hashable() {
    return Arrays.stream(categorical).filter(f -> f.transform == Transform.NONE).toList();
  }

  /** The dense columns this mapping produces (the model's {@code features.dense} must equal it). */
  public int denseWidth() {
    return dense.length;
  }

  /**
   * Maps {@code event} (a Jackson {@link JsonNode} or an Avro {@link GenericRecord}) into {@code out} (cleared
   * first); {@code kafkaTimestamp} is the event time unless the mapping names a field. Returns null when the event
   * maps, else why not, naming the path.
   */
  public String map(Object event, long kafkaTimestamp, MutableSample out) {
    return map(event, kafkaTimestamp, out, null, null);
  }

  /**
   * Like {@link #map(Object, long, MutableSample)}, and when {@code hashSpaces} (may be null) gives the model id a
   * feature space with a hashed part, the categorical and numeric fields go to {@code out}'s hashed fields
   * ({@link MutableSample#hashedSlots}) instead of its named ones: the slots and signed values
   * {@link io.streamtrain.core.data.Example#hashNamedFields} gives for the named fields, in the same order
   * (categorical fields in mapping order, array elements in order, then numeric fields). Values the reader hashed
   * take their hash from it; the others are hashed from their text with {@code hasher}; numeric names are hashed
   * once, here at construction. Returns {@link #NEEDS_TEXT} for an event with hashed values and no such space.
   */
  public String map(Object event, long kafkaTimestamp, MutableSample out, Function<String, FeatureSpace> hashSpaces,
      MurmurHash3.Utf8Hasher hasher) {
    out.clear();
    if (!Values.isObject(event)) {
      return "the event is not a " + (event instanceof JsonNode ? "JSON object"
          : event instanceof ReadEvent e ? e.kind : "record");
    }
    if (modelId != null) {
      Object id = find(event, modelId);
      if (id == null || !Values.isScalar(id)) {
        return modelId.path + ": missing (the model id field)";
      }
      out.modelId = Values.text(id);
    } else {
      out.modelId = modelIdConst;
    }
    FeatureSpace space = hashSpaces == null ? null : hashSpaces.apply(out.modelId);
    if (space != null && space.hashBits() == 0) {
      space = null;
    }
    if (space == null && event instanceof ReadEvent e && e.anyHashed) {
      return NEEDS_TEXT;
    }
    if (space != null) {
      out.hashedBits = space.hashBits();
    }
    if (eventTime != null) {
      Object t = find(event, eventTime);
      if (t == null || !Values.isNumber(t)) {
        return eventTime.path + ": " + (t == null ? "missing" : "not a number") + " (the event time field)";
      }
      out.eventTime = eventTimeSeconds ? Math.round(Values.number(t) * 1000.0) : Values.longValue(t);
    } else {
      out.eventTime = kafkaTimestamp;
    }
    String why = label == null ? null : label.apply(event, out);
    if (why != null) {
      return why;
    }
    if (weight != null) {
      Object w = find(event, weight);
      if (w != null) {
        if (!Values.isNumber(w)) {
          return weight.path + ": not a number (the weight field)";
        }
        out.setWeight(Values.number(w));
      }
    }
    for (Field f : dense) {
      Object v = find(event, f);
      double x;
      if (v == null) {
        if (f.dflt == null) {
          return f.path + ": missing (a dense column; give it a default to allow that)";
        }
        x = f.dflt;
      } else if (Values.isNumber(v)) {
        x = Transformation.number(f, Values.number(v));
      } else if (Values.isBoolean(v)) {
        x = Values.bool(v) ? 1 : 0;
      } else {
        return f.path + ": not a number (a dense column)";
      }
      out.addDense(x);
    }
    for (Field f : categorical) {
      Object v = find(event, f);
      if (v == null) {
        continue;
      }
      if (v == JsonEventReader.HASHED) {
        long h = ((ReadEvent) event).lastHash();
        out.addHashed(space.slot(h), FeatureSpace.sign(h));
      } else if (v == JsonEventReader.HASHED_LIST) {
        ((ReadEvent) event).addLastHashes(out, space);
      } else if (Values.isArray(v)) {
        for (Object e : Values.elements(v)) {
          if (e != null && Values.isScalar(e)) {
            categorical(out, f, Transformation.text(f, e), space, hasher);
          } else if (e != null) {
            return f.path + ": an array element is not a string, number or boolean";
          }
        }
      } else if (Values.isScalar(v)) {
        categorical(out, f, Transformation.text(f, v), space, hasher);
      } else {
        return f.path + ": an object, not a value (a categorical field)";
      }
    }
    for (int i = 0; i < numeric.length; i++) {
      Field f = numeric[i];
      Object v = find(event, f);
      if (v == null) {
        continue;
      }
      if (!Values.isNumber(v)) {
        return f.path + ": not a number (a numeric field)";
      }
      double x = Transformation.number(f, Values.number(v));
      if (space == null) {
        out.addNumeric(f.name, x);
      } else {
        out.addHashed(space.slot(numericHashes[i]), FeatureSpace.sign(numericHashes[i]) * x);
      }
    }
    return null;
  }

  private static void categorical(MutableSample out, Field f, String value, FeatureSpace space,
      MurmurHash3.Utf8Hasher hasher) {
    if (space == null) {
      out.addCategorical(f.name, value);
    } else {
      long h = hasher.hash(f.name, value, FeatureSpace.INDEX_SEED, FeatureSpace.SIGN_SEED);
      out.addHashed(space.slot(h), FeatureSpace.sign(h));
    }
  }

  /** The value at {@code f}'s path, or null when any step is missing or the value is null. */
  static Object find(Object root, Field f) {
    return root instanceof ReadEvent e ? e.get(f) : walk(root, f.steps);
  }

  /** The value {@code steps} below {@code root}, or null when any step is missing or the value is null. */
  static Object walk(Object root, String[] steps) {
    Object n = root;
    for (String s : steps) {
      n = Values.child(n, s);
      if (n == null) {
        return null;
      }
    }
    return n;
  }
}
