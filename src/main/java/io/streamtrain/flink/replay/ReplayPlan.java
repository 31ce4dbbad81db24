package io.streamtrain.flink.replay;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.eval.LabelDelay;
import io.streamtrain.core.metric.MetricsSpec;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ModelSpecs;
import io.streamtrain.core.train.TrainingConfig;
import io.streamtrain.job.JobSpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything the replay job's functions need, in plain serializable form so it travels inside the job graph:
 * the run's name and source topic, the metrics and label delay, and either the prequential configurations (a
 * name and a job spec map each, re-validated on the task manager) or the one holdout model (its model section,
 * fixed parameters and buffers, model id and version).
 */
public final class ReplayPlan implements Serializable {
  private static final long serialVersionUID = 1L;

  public final String name;
  public final String sourceTopic;
  public final MetricsSpec metrics;
  public final LabelDelay delay;
  public final List<String> configNames;
  public final List<Map<String, Object>> jobMaps;
  public final String holdoutName;
  public final String holdoutModelId;
  public final Long holdoutVersion;
  public final Map<String, Object> holdoutModel;
  public final double[] holdoutParams;
  public final double[] holdoutBuffers;
  /** The name the trivial baseline is reported under (not a valid configuration name, so it never clashes). */
  public static final String BASELINE = "(baseline)";
  /** Whether a prequential plan also evaluates the {@link io.streamtrain.core.eval.Prior} baseline. */
  private boolean baseline;
  /** Samples of each model id that form the training part of a test split, or -1 without a split. */
  private long trainSamples = -1;
  private int partitions = 1;
  private transient List<JobSpec> jobs;
  /** Per configuration: the initial models of its warm_start, or null (set by {@link #withWarmStarts}). */
  private List<io.streamtrain.flink.training.WarmStarts> warmStarts;

  private ReplayPlan(String name, String sourceTopic, MetricsSpec metrics, LabelDelay delay, List<String> configNames,
      List<Map<String, Object>> jobMaps, String holdoutName, String holdoutModelId, Long holdoutVersion,
      Map<String, Object> holdoutModel, double[] holdoutParams, double[] holdoutBuffers) {
    this.name = name;
    this.sourceTopic = sourceTopic;
    this.metrics = metrics;
    this.delay = delay;
    this.configNames = configNames;
    this.jobMaps = jobMaps;
    this.holdoutName = holdoutName;
    this.holdoutModelId = holdoutModelId;
    this.holdoutVersion = holdoutVersion;
    this.holdoutModel = holdoutModel;
    this.holdoutParams = holdoutParams;
    this.holdoutBuffers = holdoutBuffers;
  }

  public static ReplayPlan prequential(String name, String sourceTopic, MetricsSpec metrics, LabelDelay delay,
      List<String> configNames, List<Map<String, Object>> jobMaps) {
    return new ReplayPlan(name, sourceTopic, metrics, delay, List.copyOf(configNames), new ArrayList<>(jobMaps), null,
        null, null, null, null, null);
  }

  public static ReplayPlan holdout(String name, String sourceTopic, MetricsSpec metrics, String configName,
      String modelId, Long version, Map<String, Object> model, double[] params, double[] buffers) {
    // Fail here, on the client, when the parameters do not fit the model.
    Model m = ModelSpecs.fromSpec(new SpecReader("holdout.model", model)).newModel(1);
    if (m.numParams() != params.length || m.numBuffers() != buffers.length) {
      throw new io.streamtrain.core.SpecException("holdout", params.length + " parameters, " + buffers.length
          + " buffer values", "allowed: what the model needs, " + m.numParams() + " and " + m.numBuffers());
    }
    return new ReplayPlan(name, sourceTopic, metrics, LabelDelay.NONE, List.of(configName), List.of(), configName,
        modelId, version, model, params, buffers);
  }

  /** The configurations' warm starts (one entry per configuration, null where it has none). */
  public ReplayPlan withWarmStarts(List<io.streamtrain.flink.training.WarmStarts> w) {
    this.warmStarts = new ArrayList<>(w);
    return this;
  }

  /** The initial model of {@code modelId} under configuration {@code c}, or null. */
  public io.streamtrain.flink.training.WarmStarts.Initial warmStart(int c, String modelId) {
    if (warmStarts == null || warmStarts.get(c) == null) {
      return null;
    }
    JobSpec j = job(c);
    return warmStarts.get(c).lookup(modelId, j.configIndex(modelId));
  }

  /** Adds the baseline (index {@link #size()}) to a prequential plan. */
  public ReplayPlan withBaseline(boolean on) {
    this.baseline = on && !isHoldout();
    return this;
  }

  public boolean hasBaseline() {
    return baseline;
  }

  /** The first {@code samples} samples of each model id train, the rest are only scored (-1: no split). */
  public ReplayPlan withTestAfter(long samples) {
    this.trainSamples = samples;
    return this;
  }

  public long trainSamples() {
    return trainSamples;
  }

  /** The name of evaluation {@code c}: a configuration, or the baseline at index {@link #size()}. */
  public String evaluationName(int c) {
    return c == configNames.size() ? BASELINE : configNames.get(c);
  }

  public boolean isHoldout() {
    return holdoutModelId != null;
  }

  public int size() {
    return configNames.size();
  }

  /** The training configuration of {@code modelId} under configuration {@code c}, or null when not trained. */
  public TrainingConfig route(int c, String modelId) {
    JobSpec j = job(c);
    int i = j.configIndex(modelId);
    return i < 0 ? null : j.configs().get(i);
  }

  /** Configuration {@code c}'s data-parallel rounds (workers 1: the single trainer). */
  public io.streamtrain.core.parallel.ParallelConfig parallel(int c) {
    return c < size() ? job(c).parallel() : io.streamtrain.core.parallel.ParallelConfig.SINGLE;
  }

  /** The most workers any configuration trains a model with (1: every one is a single trainer). */
  public int maxWorkers() {
    int n = 1;
    for (int c = 0; c < size(); c++) {
      n = Math.max(n, parallel(c).workers());
    }
    return n;
  }

  /** Partitions of the replayed samples (data-parallel configurations assign them to workers). */
  public int partitions() {
    return partitions;
  }

  /** The replayed topic's partition count, or for a file the partitions its rows are dealt to (row i to i % n). */
  public ReplayPlan withPartitions(int n) {
    this.partitions = n;
    return this;
  }

  /** The drift section of {@code modelId} under configuration {@code c}, or null. */
  public io.streamtrain.core.drift.DriftConfig drift(int c, String modelId) {
    JobSpec j = job(c);
    int i = j.configIndex(modelId);
    return i < 0 ? null : j.drift(i);
  }

  private JobSpec job(int c) {
    if (jobs == null) {
      List<JobSpec> js = new ArrayList<>();
      for (Map<String, Object> m : jobMaps) {
        js.add(JobSpec.fromMap(m));
      }
      jobs = js;
    }
    return jobs.get(c);
  }

  public Model newHoldoutModel() {
    return ModelSpecs.fromSpec(new SpecReader("holdout.model", holdoutModel)).newModel(1);
  }
}
