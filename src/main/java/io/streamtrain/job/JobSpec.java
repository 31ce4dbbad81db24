package io.streamtrain.job;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import io.streamtrain.core.diag.DiagnosticsConfig;
import io.streamtrain.core.drift.DriftConfig;
import io.streamtrain.core.parallel.ParallelConfig;
import io.streamtrain.core.train.TrainingConfig;
import io.streamtrain.io.events.InputSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A training job spec (jobs/*.yaml), validated completely before anything starts. Its keys are declared once, in
 * {@link #SPEC} (name, type, default, validator, doc; the README's table is generated from it): the default training
 * configuration ({@link TrainingConfig}'s keys), per-model-id overrides ({@code models}: the first entry whose
 * {@code match} regex matches the whole model id wins, its keys replace the default's, and its own
 * {@code diagnostics} or {@code drift} section replaces the job's for those models), topics, snapshot, metrics and
 * checkpoint cadence, the source, warm start, input format ({@link InputSpec}), diagnostics
 * ({@link DiagnosticsConfig}), data-parallel training ({@link ParallelConfig}) and drift detection
 * ({@link DriftConfig}). Checks that span sections (what data-parallel training does not take, the labels topic)
 * follow the declarations.
 */
public final class JobSpec {
  /** Where a job's source starts reading. */
  public enum Start { EARLIEST, LATEST, COMMITTED }

  /** The top-level keys. */
  public static final ConfigDef SPEC = new ConfigDef();
  static final Key<String> NAME = SPEC.define("name", Types.STRING, "streamtrain",
      Validators.matches("[A-Za-z0-9._-]{1,100}", "1-100 of letters, digits, '.', '_', '-'"),
      "job name: consumer group and transactional-id prefix");

  static {
    SPEC.include(TrainingConfig.SPEC);
  }

  private static final ConfigDef WARM = new ConfigDef();
  static final Key<String> WARM_TOPIC = WARM.computed("topic", Types.STRING, "the job's `models` topic",
      Validators.any(), "");
  static final Key<String> WARM_ID = WARM.optional("model_id", Types.STRING, "(optional: every new model starts"
      + " from this model's snapshot, e.g. a global model new tenants start from; default: each model from its own"
      + " id's)");
  static final Key<Long> WARM_VERSION = WARM.optional("version", Types.LONG, "(with `model_id`; default the"
      + " latest)");
  static final Key<ConfigValues> WARM_START = SPEC.section("warm_start", WARM, v -> v, "start models that have no"
      + " state in this job from published snapshots: {keys}. Read before the job starts (read_committed, checksum"
      + " checked) and mapped onto each configuration's layout (same group names and shapes, else an error naming"
      + " the group, the model and both shapes); optimizer and schedule start fresh; a `warm_started` event in the"
      + " model's first report; on the job's own model topic versions go on from the snapshot's. A replay of the"
      + " job's spec starts its models the same way. Models restored from a checkpoint or savepoint keep their"
      + " state");
  static final Key<Object> DRIFT = SPEC.optional("drift", Types.ANY, "drift detection (off without this section;"
      + " job-wide or per `models` entry): `detector` adwin \\| page_hinkley \\| ddm \\| eddm (or `{type,"
      + " ...parameters}`), `signal` error (progressive 0/1 per sample, classifiers) \\| loss (batch loss),"
      + " `reaction` none \\| reset_optimizer \\| `{type: boost_lr, factor, steps}` \\| background (DDM, EDDM);"
      + " see \"Streams that change\" below");

  /** A {@code models} entry: a match and training keys replacing the default's. */
  static final ConfigDef MODELS_ENTRY = new ConfigDef();
  static final Key<String> MATCH = MODELS_ENTRY.required("match", Types.STRING, "");

  static final Key<Object> ENTRY_DIAGNOSTICS = MODELS_ENTRY.optional("diagnostics", Types.ANY, "");
  static final Key<Object> ENTRY_DRIFT = MODELS_ENTRY.optional("drift", Types.ANY, "");

  static {
    MODELS_ENTRY.include(TrainingConfig.SPEC);
  }

  static final Key<Object> MODELS = SPEC.optional("models", Types.ANY, "per-model-id overrides: `[{match: REGEX,"
      + " model: ..., optimizer: ...}]`, first match wins");
  static final Key<String> ACCEPT = SPEC.define("accept", Types.STRING, ".*", Validators.regex(), "regex of model"
      + " ids to train (`{default}`); others are rejected as UNKNOWN_MODEL");

  private static final ConfigDef TOPICS = new ConfigDef();
  static final Key<String> SAMPLES = TOPICS.define("samples", Types.STRING, "samples", "");
  static final Key<String> METRICS_TOPIC = TOPICS.define("metrics", Types.STRING, "metrics", "");
  static final Key<String> MODELS_TOPIC = TOPICS.define("models", Types.STRING, "models", "({default}; compacted)");
  static final Key<String> REJECTED = TOPICS.define("rejected", Types.STRING, "rejected-samples", "");
  static final Key<Integer> PARTITIONS = TOPICS.define("partitions", Types.INT, 2, Validators.intRange(1, 10_000),
      "for topics the job creates");
  static final Key<Topics> TOPICS_KEY = SPEC.section("topics", TOPICS, v -> new Topics(v.get(SAMPLES),
      v.get(METRICS_TOPIC), v.get(MODELS_TOPIC), v.get(REJECTED), v.get(PARTITIONS)), "{keys}");

  private static final ConfigDef SNAPSHOTS = new ConfigDef();
  static final Key<Long> EVERY_STEPS = SNAPSHOTS.define("every_steps", Types.LONG, 100L, Validators.longAtLeast(0),
      "");
  static final Key<Long> EVERY_EVENT_TIME = SNAPSHOTS.define("every_event_time_ms", Types.LONG, 0L,
      Validators.longAtLeast(0), "({default} = off)");
  static final Key<ConfigValues> SNAPSHOTS_KEY = SPEC.section("snapshots", SNAPSHOTS, v -> v, "{keys}; a final"
      + " snapshot at the end of a bounded input");

  private static final ConfigDef METRICS = new ConfigDef();
  static final Key<Integer> EVERY_BATCHES = METRICS.define("every_batches", Types.INT, 10,
      Validators.intRange(1, Integer.MAX_VALUE), "");
  static final Key<ConfigValues> METRICS_KEY = SPEC.section("metrics", METRICS, v -> v, "{keys}");

  private static final ConfigDef CHECKPOINT = new ConfigDef();
  static final Key<Long> INTERVAL = CHECKPOINT.define("interval_ms", Types.LONG, 5000L,
      Validators.longAtLeast(10, "at least 10 ms"), "");
  static final Key<String> STORAGE = CHECKPOINT.optional("storage", Types.STRING, "(a URI such as"
      + " file:///var/lib/streamtrain/checkpoints; default: Flink's default for the environment)");
  static final Key<ConfigValues> CHECKPOINT_KEY = SPEC.section("checkpoint", CHECKPOINT, v -> v, "{keys}");

  static final Key<Integer> PARALLELISM = SPEC.define("parallelism", Types.INT, 2, Validators.intRange(1, 1024),
      "the job's Flink parallelism");
  static final Key<Long> OUT_OF_ORDERNESS = SPEC.define("watermark_out_of_orderness_ms", Types.LONG, 0L,
      Validators.longAtLeast(0), "({default}) how far event time may go back within the samples topic (not"
      + " with `input.labels`, which has its own)");

  private static final ConfigDef SOURCE = new ConfigDef();
  static final Key<Start> START = SOURCE.define("start", Types.enumOf(Start.class), Start.EARLIEST,
      "earliest \\| latest \\| committed");
  static final Key<Boolean> BOUNDED = SOURCE.define("bounded", Types.BOOLEAN, false, "true stops at the offsets"
      + " that were latest when the job started ({default}: a live job runs forever)");
  static final Key<ConfigValues> SOURCE_KEY = SPEC.section("source", SOURCE, v -> v, "{keys}");

  static final Key<ParallelConfig> PARALLEL = SPEC.section("parallel", ParallelConfig.SPEC, ParallelConfig::of,
      "data-parallel"
      + " training of each model: {keys}; workers 1 (the default) is the single trainer (see \"One model on several"
      + " cores or machines\" and docs/parallel.md)");
  static final Key<Object> INPUT = SPEC.optional("input", Types.ANY, "what the samples topic holds: `{format:"
      + " sample}` (the default: streamtrain's Avro `Sample`) or events of your own shape, `{format: json\\|avro"
      + "\\|avro_registry, mapping: ..., schema: ..., registry: ...}`, turned into samples by configuration (see"
      + " \"Training from your own events\" below); `labels: {...}` takes the labels from a second topic (see"
      + " \"Delayed labels\")");
  static final Key<DiagnosticsConfig> DIAGNOSTICS = SPEC.reader("diagnostics", DiagnosticsConfig::fromSpec,
      "training diagnostics for every model, on by default; a `models` entry's own section replaces it (see \"Why"
      + " is training stuck? Diagnostics\" and docs/diagnostics.md)");

  /** The top-level keys' names. */
  public static final List<String> KEYS = SPEC.names();

  private final Map<String, Object> raw;
  private final String name;
  private final List<Pattern> matchers = new ArrayList<>();
  private final List<TrainingConfig> configs = new ArrayList<>();
  private final List<Map<String, Object>> configMaps = new ArrayList<>();
  private final Pattern accept;
  private final Topics topics;
  private final ParallelConfig parallel;
  private final long snapshotEverySteps;
  private final long snapshotEveryEventTimeMs;
  private final int metricsEveryBatches;
  private final long checkpointIntervalMs;
  private final String checkpointStorage;
  private final int parallelism;
  private final long outOfOrdernessMs;
  private final Start start;
  private final boolean bounded;
  private final DiagnosticsConfig diagnostics;
  private final WarmStartSpec warmStart;
  /** What the samples topic holds: Sample records, or events of the user's shape and their mapping. */
  private final InputSpec input;
  /** Per configuration: its own diagnostics section, or null for the job's. */
  private final List<DiagnosticsConfig> configDiagnostics = new ArrayList<>();
  /** Per configuration: its drift watch (its own section, else the job's), or null when off. */
  private final List<DriftConfig> configDrift = new ArrayList<>();

  /**
   * Where a model that has no state in this job yet takes its initial parameters from: the latest (or the given
   * {@code version}) ModelSnapshot on {@code topic}, of the model's own id, or of {@code modelId} for every model
   * (a template, e.g. a global model new tenants start from).
   */
  public record WarmStartSpec(String topic, String modelId, Long version) implements java.io.Serializable {}

  /** Topic names. */
  public record Topics(String samples, String metrics, String models, String rejected, int partitions)
      implements java.io.Serializable {}

  private JobSpec(Map<String, Object> raw) {
    this.raw = raw;
    SpecReader r = new SpecReader("", raw);
    ConfigValues v = SPEC.parse(r);
    name = v.get(NAME);
    Map<String, Object> base = new LinkedHashMap<>();
    for (String k : TrainingConfig.KEYS) {
      if (raw.containsKey(k)) {
        base.put(k, raw.get(k));
      }
    }
    SpecReader jobDrift = v.has(DRIFT) ? r.child(DRIFT.name()) : null;
    if (v.has(MODELS)) {
      for (SpecReader o : r.children(MODELS.name())) {
        String match = o.requireString(MATCH.name());
        try {
          matchers.add(Pattern.compile(match));
        } catch (PatternSyntaxException e) {
          throw new SpecException(o.key(MATCH.name()), match, "allowed: a Java regular expression ("
              + e.getDescription() + ")");
        }
        o.rejectUnknown(MODELS_ENTRY.names());
        Map<String, Object> merged = new LinkedHashMap<>(base);
        for (Map.Entry<String, ?> e : o.map().entrySet()) {
          if (TrainingConfig.KEYS.contains(e.getKey())) {
            merged.put(e.getKey(), e.getValue());
          }
        }
        // Diagnostics are not part of the training configuration a checkpoint identifies: changing them on a
        // restart keeps the optimizer state.
        configDiagnostics.add(o.has(ENTRY_DIAGNOSTICS.name())
            ? DiagnosticsConfig.fromSpec(o.child(ENTRY_DIAGNOSTICS.name())) : null);
        configMaps.add(merged);
        configs.add(TrainingConfig.fromSpec(new SpecReader(o.path(), merged)));
        // Drift watching is not part of the training configuration either: turning it on or off on a restart
        // keeps the model's state (the detector's own state is a separate checkpointed part).
        configDrift.add(drift(o.has(ENTRY_DRIFT.name()) ? o.child(ENTRY_DRIFT.name()) : jobDrift,
            configs.get(configs.size() - 1)));
      }
    }
    if (!base.containsKey("model") || !base.containsKey("optimizer")) {
      if (configs.isEmpty()) {
        throw new SpecException(!base.containsKey("model") ? "model" : "optimizer",
            "missing; a job needs a default model and optimizer, or a 'models' list");
      }
    } else {
      matchers.add(Pattern.compile(".*"));
      configDiagnostics.add(null);
      configMaps.add(base);
      configs.add(TrainingConfig.fromSpec(new SpecReader("", base)));
      configDrift.add(drift(jobDrift, configs.get(configs.size() - 1)));
    }
    accept = Pattern.compile(v.get(ACCEPT));
    topics = v.get(TOPICS_KEY);
    ConfigValues snapshots = v.get(SNAPSHOTS_KEY);
    snapshotEverySteps = snapshots.get(EVERY_STEPS);
    snapshotEveryEventTimeMs = snapshots.get(EVERY_EVENT_TIME);
    metricsEveryBatches = v.get(METRICS_KEY).get(EVERY_BATCHES);
    ConfigValues checkpoint = v.get(CHECKPOINT_KEY);
    checkpointIntervalMs = checkpoint.get(INTERVAL);
    checkpointStorage = checkpoint.get(STORAGE);
    parallelism = v.get(PARALLELISM);
    outOfOrdernessMs = v.get(OUT_OF_ORDERNESS);
    input = input(r);
    if (input.labels() != null && input.labels().topic().equals(topics.samples())) {
      throw new SpecException("input.labels.topic", input.labels().topic(), "a topic other than topics.samples (the "
          + "features' topic)");
    }
    if (input.labels() != null && v.has(OUT_OF_ORDERNESS)) {
      throw new SpecException(OUT_OF_ORDERNESS.name(), outOfOrdernessMs, "not with input.labels: give "
          + "input.labels.out_of_orderness_ms (it bounds both topics, and a replay of the input reads it from there)");
    }
    ConfigValues source = v.get(SOURCE_KEY);
    start = source.get(START);
    bounded = source.get(BOUNDED);
    diagnostics = v.has(DIAGNOSTICS) ? v.get(DIAGNOSTICS) : DiagnosticsConfig.defaults();
    warmStart = v.has(WARM_START) ? warmStart(v.get(WARM_START), topics.models()) : null;
    parallel = v.get(PARALLEL);
    if (parallel.enabled()) {
      checkParallel();
    }
  }

  /** What data-parallel rounds do not take yet, each naming {@code parallel.workers}. */
  private void checkParallel() {
    for (int i = 0; i < configs.size(); i++) {
      String opt = configs.get(i).optimizer().type();
      if (opt.equals("ftrl")) {
        throw new SpecException("parallel.workers", parallel.workers(), "FTRL's weights are a function of its"
            + " per-coordinate z and n, which data-parallel rounds do not merge: use workers 1 with ftrl, or sgd,"
            + " adagrad, adam or another optimizer whose state is the parameters plus local statistics");
      }
    }
    if (warmStart != null) {
      throw new SpecException("parallel.workers", parallel.workers(), "a data-parallel job does not take"
          + " warm_start yet: train with workers 1 from the warm start, or drop warm_start");
    }
    for (int i = 0; i < configs.size(); i++) {
      if (configDrift.get(i) != null) {
        throw new SpecException("parallel.workers", parallel.workers(), "drift detection runs in the single"
            + " trainer only (its detector and reactions follow one model's steps): use workers 1 with drift, or"
            + " drop the drift section");
      }
      if (configs.get(i).model().scaling() != null) {
        throw new SpecException("parallel.workers", parallel.workers(), "model.scaling keeps its statistics in"
            + " the model's buffers, which data-parallel rounds do not merge: use workers 1 with scaling");
      }
    }
    if (input.labels() != null) {
      // Workers own partitions of the samples topic; joined samples come out of the join in event-time order,
      // not by partition.
      throw new SpecException("parallel.workers", parallel.workers(), "a data-parallel job does not take"
          + " input.labels yet: train with workers 1 on delayed labels");
    }
  }

  /** Data-parallel training of each model ({@code parallel}; workers 1, the default, is the single trainer). */
  public ParallelConfig parallel() {
    return parallel;
  }

  /** A drift section checked against its configuration (the error signal needs a classifier); null: off. */
  private static DriftConfig drift(SpecReader d, TrainingConfig config) {
    if (d == null) {
      return null;
    }
    DriftConfig c = DriftConfig.fromSpec(d);
    if (c.signal() == DriftConfig.Signal.ERROR
        && config.model().features().target() == io.streamtrain.core.feature.Target.REAL) {
      throw new SpecException(d.key("signal"), "error",
          "allowed for classifiers only; a regression model's drift watch takes signal: loss");
    }
    return c;
  }

  private static WarmStartSpec warmStart(ConfigValues w, String modelsTopic) {
    String id = w.get(WARM_ID);
    Long version = w.get(WARM_VERSION);
    if (version != null && id == null) {
      throw new SpecException(w.path(WARM_VERSION), version,
          "allowed only with warm_start.model_id (a version names one model's snapshot)");
    }
    if (version != null && version < 1) {
      throw new SpecException(w.path(WARM_VERSION), version, "allowed: a published version >= 1");
    }
    return new WarmStartSpec(w.get(WARM_TOPIC, modelsTopic), id, version);
  }

  /** Parses and validates a job spec given as a map (from YAML or JSON). */
  private InputSpec input(SpecReader r) {
    if (!r.has(INPUT.name())) {
      return InputSpec.SAMPLES;
    }
    int[] dense = new int[configs.size()];
    for (int i = 0; i < dense.length; i++) {
      dense[i] = configs.get(i).model().features().denseDim();
    }
    return InputSpec.parse(r.child(INPUT.name()), dense);
  }

  /** What the samples topic holds ({@code input}): Sample records, or events and their mapping. */
  public InputSpec input() {
    return input;
  }

  public static JobSpec fromMap(Map<String, Object> raw) {
    return new JobSpec(raw);
  }

  public Map<String, Object> raw() {
    return raw;
  }

  public String name() {
    return name;
  }

  /** Index of the configuration for {@code modelId}, or -1 when the id is not accepted. */
  public int configIndex(String modelId) {
    if (!accept.matcher(modelId).matches()) {
      return -1;
    }
    for (int i = 0; i < matchers.size(); i++) {
      if (matchers.get(i).matcher(modelId).matches()) {
        return i;
      }
    }
    return -1;
  }

  public List<TrainingConfig> configs() {
    return configs;
  }

  /** The merged raw map of configuration {@code i} (what a checkpoint stores beside the state). */
  public Map<String, Object> configMap(int i) {
    return configMaps.get(i);
  }

  public Topics topics() {
    return topics;
  }

  public long snapshotEverySteps() {
    return snapshotEverySteps;
  }

  public long snapshotEveryEventTimeMs() {
    return snapshotEveryEventTimeMs;
  }

  public int metricsEveryBatches() {
    return metricsEveryBatches;
  }

  public long checkpointIntervalMs() {
    return checkpointIntervalMs;
  }

  public String checkpointStorage() {
    return checkpointStorage;
  }

  public int parallelism() {
    return parallelism;
  }

  public long outOfOrdernessMs() {
    return outOfOrdernessMs;
  }

  /** Where the source starts reading ({@code source.start}). */
  public Start start() {
    return start;
  }

  /** {@link #start()} as the spec writes it (earliest, latest, committed). */
  public String startFrom() {
    return Types.name(start);
  }

  public boolean bounded() {
    return bounded;
  }

  /** The warm start section, or null: models then start from their configured initializer. */
  public WarmStartSpec warmStart() {
    return warmStart;
  }

  /** Diagnostics settings of configuration {@code i}: its own section, else the job's. */
  public DiagnosticsConfig diagnostics(int i) {
    DiagnosticsConfig c = configDiagnostics.get(i);
    return c != null ? c : diagnostics;
  }

  /** The drift watch of configuration {@code i} (its own {@code drift} section, else the job's), or null. */
  public DriftConfig drift(int i) {
    return configDrift.get(i);
  }

  /** Training diagnostics settings (defaults when the spec has no {@code diagnostics} section). */
  public DiagnosticsConfig diagnostics() {
    return diagnostics;
  }
}
