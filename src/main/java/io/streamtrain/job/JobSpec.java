package io.streamtrain.job;

import static io.streamtrain.job.JobKeys.*;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Types;
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

  /** The top-level keys (declared in {@link JobKeys}). */
  public static final ConfigDef SPEC = JobKeys.SPEC;

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
      if (opt.equals("nag")) {
        throw new SpecException("parallel.workers", parallel.workers(), "nag rescales weights as each input's"
            + " scale grows and keeps global input norms, which data-parallel rounds do not merge: use workers 1"
            + " with nag");
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
