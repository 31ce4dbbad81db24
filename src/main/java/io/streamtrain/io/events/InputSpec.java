package io.streamtrain.io.events;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import io.streamtrain.io.KafkaSettings;
import java.io.Serializable;
import java.util.List;

/**
 * What a job's samples topic holds ({@code input} in the job spec): {@code format} sample (streamtrain's Avro
 * Sample), json, avro (the writer schema's JSON in {@code schemaJson}) or avro_registry (the registry's URL and
 * optional basic-auth credentials, placeholders already resolved), and for the event formats the mapping to
 * samples; with {@code labels} ({@link LabelsSpec}) the features' labels come from a second topic.
 */
public record InputSpec(String format, EventMapping mapping, String schemaJson, String registryUrl,
    String registryUser, String registryPassword, LabelsSpec labels) implements Serializable {
  public boolean isEvents() {
    return mapping != null;
  }
  /** The fields a features event is read at: the mapping's and, with delayed labels, the join key. */
  public List<EventMapping.Field> featureFields() {
    List<EventMapping.Field> out = new java.util.ArrayList<>(mapping.fields());
    if (labels != null) {
      out.add(labels.featureKeyField());
    }
    return out;
  }

  /** The formats of event topics: what a features topic and a labels topic ({@code input.labels}) may hold. */
  public static final List<String> EVENT_FORMATS = List.of("json", "avro", "avro_registry");
  /** Every {@code input.format}: streamtrain's own Sample records, or events. */
  public static final List<String> FORMATS =
      java.util.stream.Stream.concat(java.util.stream.Stream.of("sample"), EVENT_FORMATS.stream()).toList();

  /** The {@code input} section's keys, declared once; the rules between them run after parsing. */
  public static final ConfigDef SPEC = new ConfigDef();
  static final Key<String> FORMAT = SPEC.define("format", Types.STRING, "sample", Validators.oneOf(FORMATS), "");
  static final Key<Object> MAPPING = SPEC.optional("mapping", Types.ANY, "");
  static final Key<Object> SCHEMA = SPEC.optional("schema", Types.ANY, "");
  static final Key<Object> REGISTRY_KEY = SPEC.optional("registry", Types.ANY, "");
  static final Key<Object> LABELS = SPEC.optional("labels", Types.ANY, "");

  /** The {@code input.registry} section's keys ({@code ${env:NAME}} placeholders resolved after parsing). */
  public static final ConfigDef REGISTRY = new ConfigDef();
  static final Key<String> URL = REGISTRY.required("url", Types.STRING, "");
  static final Key<String> USERNAME = REGISTRY.optional("username", Types.STRING, "");
  static final Key<String> PASSWORD = REGISTRY.optional("password", Types.STRING, "");

  /** Sample records: no mapping. */
  public static final InputSpec SAMPLES = new InputSpec("sample", null, null, null, null, null, null);

  /**
   * Parses an {@code input} section ({@code format}, {@code mapping}, {@code schema}, {@code registry}); the
   * mapping's dense fields must number each of {@code denseWidths} (the models' {@code features.dense}).
   */
  public static InputSpec parse(SpecReader in, int[] denseWidths) {
    ConfigValues v = SPEC.parse(in);
    String format = v.get(FORMAT);
    if (format.equals("sample")) {
      for (String k : List.of("mapping", "schema", "registry", "labels")) {
        if (in.has(k)) {
          throw new SpecException(in.key(k), "not with format: sample (Sample records need no " + k + ")");
        }
      }
      return SAMPLES;
    }
    if (!in.has("mapping")) {
      throw new SpecException(in.key("mapping"), "missing; format " + format + " needs a mapping from event "
          + "fields to a sample (label, features)");
    }
    EventMapping m = EventMapping.fromSpec(in.child("mapping"), in.has("labels"));
    LabelsSpec labels = in.has("labels") ? LabelsSpec.parse(in.child("labels"), format) : null;
    boolean registry = format.equals("avro_registry") || labels != null && labels.format().equals("avro_registry");
    for (int want : denseWidths) {
      if (want != m.denseWidth()) {
        throw new SpecException(in.key("mapping") + ".dense", m.denseWidth() + " fields",
            "as many fields as the model's features.dense (" + want + ")");
      }
    }
    String schema = null;
    if (format.equals("avro")) {
      schema = schemaText(in);
    } else if (in.has("schema")) {
      throw new SpecException(in.key("schema"), "only with format: avro (" + format + " records carry no schema"
          + (format.equals("avro_registry") ? "; the registry has it" : "") + ")");
    }
    String url = null;
    String user = null;
    String password = null;
    if (registry) {
      if (!in.has("registry")) {
        throw new SpecException(in.key("registry"), "missing; format avro_registry needs {url: http://HOST:PORT}"
            + (format.equals("avro_registry") ? "" : " (the labels topic's format)"));
      }
      SpecReader reg = in.child("registry");
      ConfigValues rv = REGISTRY.parse(reg);
      url = KafkaSettings.resolve(reg.key("url"), rv.get(URL), System::getenv);
      if (!url.startsWith("http://") && !url.startsWith("https://")) {
        throw new SpecException(reg.key("url"), url, "an http:// or https:// URL of the schema registry");
      }
      user = rv.has(USERNAME) ? KafkaSettings.resolve(reg.key("username"), rv.get(USERNAME), System::getenv) : null;
      password = rv.has(PASSWORD) ? KafkaSettings.resolve(reg.key("password"), rv.get(PASSWORD), System::getenv)
          : null;
    } else if (in.has("registry")) {
      throw new SpecException(in.key("registry"), "only with format: avro_registry");
    }
    return new InputSpec(format, m, schema, url, user, password, labels);
  }

  /** The writer schema of format avro: inline JSON, or a file read here (so the job carries its text). */
  static String schemaText(SpecReader in) {
    if (!in.has("schema")) {
      throw new SpecException(in.key("schema"), "missing; format avro needs the events' writer schema (a .avsc "
          + "file or its JSON)");
    }
    String s = in.requireString("schema");
    String text = s;
    if (!s.trim().startsWith("{")) {
      try {
        text = java.nio.file.Files.readString(java.nio.file.Path.of(s));
      } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
        throw new SpecException(in.key("schema"), s, "a readable .avsc file (" + e.getMessage() + ")");
      }
    }
    try {
      org.apache.avro.Schema parsed = new org.apache.avro.Schema.Parser().parse(text);
      if (parsed.getType() != org.apache.avro.Schema.Type.RECORD) {
        throw new SpecException(in.key("schema"), s, "a record schema");
      }
    } catch (org.apache.avro.SchemaParseException e) {
      throw new SpecException(in.key("schema"), s, "a valid Avro schema (" + e.getMessage() + ")");
    }
    return text;
  }
}
