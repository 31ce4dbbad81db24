package io.streamtrain.job;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
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
 * A training job spec (jobs/*.yaml), validated completely before anything starts. Top-level keys:
 * <ul>
 *   <li>{@code name}: the job's name (consumer group, transactional ids); letters, digits, '.', '_' and '-'
 *   <li>{@code model}, {@code optimizer}, {@code clip}, {@code schedule}, {@code batching}, {@code guard}: the
 *       default training configuration (see {@link TrainingConfig}; {@code guard} is the loss-spike rollback,
 *       {@link io.streamtrain.core.train.LossGuard})
 *   <li>{@code models}: optional list of per-model-id overrides {@code {match: REGEX, model: ..., optimizer:
 *       ...}}; the first whose regex matches the whole model id wins, its keys replace the default's; an entry
 *       may also carry its own {@code diagnostics} section, which replaces the job's for those models
 *   <li>{@code accept}: regex of model ids to train (default {@code .*}); other ids are rejected as UNKNOWN_MODEL
 *   <li>{@code topics}: {@code samples}, {@code metrics}, {@code models}, {@code rejected} (defaults samples,
 *       metrics, models, rejected-samples), {@code partitions} for topics the job creates (default 2)
 *   <li>{@code snapshots}: {@code every_steps} (default 100) and/or {@code every_event_time_ms} (default 0 = off)
 *   <li>{@code metrics}: {@code every_batches} (default 10)
 *   <li>{@code checkpoint}: {@code interval_ms} (default 5000), {@code storage} (a URI such as
 *       file:///var/lib/streamtrain/checkpoints; default: Flink's default for the environment)
 *   <li>{@code parallelism} (default 2), {@code watermark_out_of_orderness_ms} (default 0)
 *   <li>{@code source}: {@code start} earliest|latest|committed (default earliest), {@code bounded} true to stop
 *       at the offsets that were latest when the job started (default false: a live job runs forever)
 *   <li>{@code warm_start}: {@code topic} (default the job's models topic), {@code model_id} (optional: every new
 *       model starts from this model's snapshot; default: each model from its own id's), {@code version}
 *       (optional, with model_id; default the latest): a model with no state in this job starts from that
 *       ModelSnapshot's parameters and buffers (optimizer and schedule fresh), checked against the model's shapes
 *       before the job starts
 *   <li>{@code input}: what the samples topic holds: {@code format} sample (streamtrain's Avro Sample, the
 *       default), json (one JSON object a record), avro (Avro binary of the writer schema {@code schema}, a file
 *       or inline JSON) or avro_registry (the schema-registry wire format, schemas fetched by id from
 *       {@code registry: {url, username, password}}); events are turned into samples by {@code mapping} (see
 *       {@link io.streamtrain.io.events.EventMapping}); with {@code labels} the labels come from a second topic,
 *       joined by key in event time (see {@link io.streamtrain.io.events.LabelsSpec})
 *   <li>{@code diagnostics}: training diagnostics for every model (see {@link DiagnosticsConfig} for the keys and
 *       their defaults: on, a curvature probe every 50 batches for models up to 100000 parameters, reservoir 256,
 *       20 Lanczos steps, probes bounded to 10% of the trainer's time, saddle escape off)
 *   <li>{@code drift}: drift detection for every model, off by default (see {@link DriftConfig}: detector, signal,
 *       reaction); a {@code models} entry's own {@code drift} section replaces it for those models
 * </ul>
 */
public final class JobSpec {
  public static final List<String> KEYS =
      List.of("name", "model", "optimizer", "clip", "schedule", "batching", "guard", "models", "accept",
          "topics", "snapshots", "metrics", "checkpoint", "parallelism", "watermark_out_of_orderness_ms", "source",
          "diagnostics", "warm_start", "input", "parallel", "drift");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

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
  private final String startFrom;
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
    r.rejectUnknown(KEYS);
    name = r.getString("name", "streamtrain");
    if (!NAME.matcher(name).matches()) {
      throw new SpecException("name", name, "allowed: 1-100 of letters, digits, '.', '_', '-'");
    }
    Map<String, Object> base = new LinkedHashMap<>();
    for (String k : TrainingConfig.KEYS) {
      if (raw.containsKey(k)) {
        base.put(k, raw.get(k));
      }
    }
    if (r.has("models")) {
      List<SpecReader> overrides = r.children("models");
      for (SpecReader o : overrides) {
        String match = o.requireString("match");
        try {
          matchers.add(Pattern.compile(match));
        } catch (PatternSyntaxException e) {
          throw new SpecException(o.key("match"), match, "allowed: a Java regular expression (" + e.getDescription()
              + ")");
        }
        List<String> allowed = new ArrayList<>(TrainingConfig.KEYS);
        allowed.add("match");
        allowed.add("diagnostics");
        allowed.add("drift");
        o.rejectUnknown(allowed);
        Map<String, Object> merged = new LinkedHashMap<>(base);
        for (Map.Entry<String, ?> e : o.map().entrySet()) {
          if (!"match".equals(e.getKey()) && !"diagnostics".equals(e.getKey()) && !"drift".equals(e.getKey())) {
            merged.put(e.getKey(), e.getValue());
          }
        }
        // Diagnostics are not part of the training configuration a checkpoint identifies: changing them on a
        // restart keeps the optimizer state.
        configDiagnostics.add(o.has("diagnostics") ? DiagnosticsConfig.fromSpec(o.child("diagnostics")) : null);
        configMaps.add(merged);
        configs.add(TrainingConfig.fromSpec(new SpecReader(o.path(), merged)));
        // Drift watching is not part of the training configuration either: turning it on or off on a restart
        // keeps the model's state (the detector's own state is a separate checkpointed part).
        configDrift.add(drift(o.has("drift") ? o.child("drift") : r.has("drift") ? r.child("drift") : null,
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
      configDrift.add(drift(r.has("drift") ? r.child("drift") : null, configs.get(configs.size() - 1)));
    }
    String acceptRegex = r.getString("accept", ".*");
    try {
      accept = Pattern.compile(acceptRegex);
    } catch (PatternSyntaxException e) {
      throw new SpecException("accept", acceptRegex, "allowed: a Java regular expression");
    }
    SpecReader t = r.has("topics") ? r.child("topics") : new SpecReader("topics", Map.of());
    t.rejectUnknown("samples", "metrics", "models", "rejected", "partitions");
    topics = new Topics(t.getString("samples", "samples"), t.getString("metrics", "metrics"),
        t.getString("models", "models"), t.getString("rejected", "rejected-samples"),
        t.getInt("partitions", 2, 1, 10_000));
    SpecReader s = r.has("snapshots") ? r.child("snapshots") : new SpecReader("snapshots", Map.of());
    s.rejectUnknown("every_steps", "every_event_time_ms");
    snapshotEverySteps = nonNegative(s, "every_steps", 100);
    snapshotEveryEventTimeMs = nonNegative(s, "every_event_time_ms", 0);
    SpecReader m = r.has("metrics") ? r.child("metrics") : new SpecReader("metrics", Map.of());
    m.rejectUnknown("every_batches");
    metricsEveryBatches = m.getInt("every_batches", 10, 1, Integer.MAX_VALUE);
    SpecReader c = r.has("checkpoint") ? r.child("checkpoint") : new SpecReader("checkpoint", Map.of());
    c.rejectUnknown("interval_ms", "storage");
    checkpointIntervalMs = c.getLong("interval_ms", 5000);
    if (checkpointIntervalMs < 10) {
      throw new SpecException("checkpoint.interval_ms", checkpointIntervalMs, "allowed: at least 10 ms");
    }
    checkpointStorage = c.getString("storage", null);
    parallelism = r.getInt("parallelism", 2, 1, 1024);
    outOfOrdernessMs = nonNegative(r, "watermark_out_of_orderness_ms", 0);
    input = input(r);
    if (input.labels() != null && input.labels().topic().equals(topics.samples())) {
      throw new SpecException("input.labels.topic", input.labels().topic(), "a topic other than topics.samples (the "
          + "features' topic)");
    }
    if (input.labels() != null && r.has("watermark_out_of_orderness_ms")) {
      throw new SpecException("watermark_out_of_orderness_ms", outOfOrdernessMs, "not with input.labels: give "
          + "input.labels.out_of_orderness_ms (it bounds both topics, and a replay of the input reads it from there)");
    }
    SpecReader src = r.has("source") ? r.child("source") : new SpecReader("source", Map.of());
    src.rejectUnknown("start", "bounded");
    startFrom = src.getEnum("start", "earliest", List.of("earliest", "latest", "committed"));
    bounded = src.getBoolean("bounded", false);
    diagnostics = DiagnosticsConfig.fromSpec(
        r.has("diagnostics") ? r.child("diagnostics") : new SpecReader("diagnostics", Map.of()));
    warmStart = r.has("warm_start") ? warmStart(r.child("warm_start"), topics.models()) : null;
    parallel = ParallelConfig.fromSpec(r.has("parallel") ? r.child("parallel") : new SpecReader("parallel", Map.of()));
    if (parallel.enabled()) {
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

  private static WarmStartSpec warmStart(SpecReader w, String modelsTopic) {
    w.rejectUnknown("topic", "model_id", "version");
    String topic = w.getString("topic", modelsTopic);
    String id = w.getString("model_id", null);
    Long version = null;
    if (w.has("version")) {
      if (id == null) {
        throw new SpecException(w.key("version"), w.raw("version"),
            "allowed only with warm_start.model_id (a version names one model's snapshot)");
      }
      version = w.getLong("version", 0);
      if (version < 1) {
        throw new SpecException(w.key("version"), version, "allowed: a published version >= 1");
      }
    }
    return new WarmStartSpec(topic, id, version);
  }

  private static long nonNegative(SpecReader r, String key, long dflt) {
    long v = r.getLong(key, dflt);
    if (v < 0) {
      throw new SpecException(r.key(key), v, "allowed: an integer >= 0");
    }
    return v;
  }

  /** Parses and validates a job spec given as a map (from YAML or JSON). */
  private InputSpec input(SpecReader r) {
    if (!r.has("input")) {
      return InputSpec.SAMPLES;
    }
    int[] dense = new int[configs.size()];
    for (int i = 0; i < dense.length; i++) {
      dense[i] = configs.get(i).model().features().denseDim();
    }
    return InputSpec.parse(r.child("input"), dense);
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

  public String startFrom() {
    return startFrom;
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
