package io.streamtrain.core.eval;

import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.RejectReason;
import io.streamtrain.core.metric.Evaluation;
import io.streamtrain.core.metric.MetricsSpec;
import io.streamtrain.core.metric.Task;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.parallel.ParallelConfig;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.core.train.TrainingConfig;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Evaluation of one model id under one configuration, sample by sample, in arrival order. Prequential
 * (test-then-train, Dawid 1984; Gama et al. 2013): each sample is first predicted by the model as it is when the
 * sample arrives (evaluation mode), then, once its label is due ({@link LabelDelay}), scored and handed to the
 * training path. Holdout: a fixed model is scored and never trained.
 *
 * <p>The training path ({@link TrainingPath}) is the training job's, step for step: a shuffle buffer of capacity K
 * seeded exactly as the job's mini-batcher seeds it ({@link #shuffleSeed}), a flush of the buffer in random batches
 * when a sample's event time reaches the last one's plus the idle gap, a random batch of B whenever the buffer is
 * full, a final flush at the end of the input, and the same {@link ModelTrainer#train} step. So the same samples in
 * the same order give the training job's parameters bit for bit, with or without a label delay (a delay postpones
 * training, it does not reorder it). The job also flushes when the watermark passes the idle gap; on in-order input
 * that flush precedes the same data-driven one and forms the same batches.
 *
 * <p>Baseline: {@link #baseline} scores the trivial {@link Prior} (class frequencies or the mean of the labels seen)
 * on the same samples, validated against a configuration's feature space, so a ranking says whether a model
 * beats it. Test split ({@link #testAfter}): after the first N samples (the training part, e.g. several passes over
 * a file's training rows) the pending labels are revealed and the shuffle buffer is trained out, then every later
 * sample is only scored, by the model as training left it, into separate {@code test_*} figures.
 *
 * <p>Invalid samples (not fitting the model's feature space) are counted and skipped, as the job rejects them.
 * Points of the curve go to a consumer every {@code report_every} scored samples and once at {@link #finish}.
 * Not thread-safe; one instance per (configuration, model id).
 */
public final class Prequential {
  public static final String PREQUENTIAL = "prequential";
  public static final String HOLDOUT = "holdout";
  public static final String BASELINE = "baseline";

  private final String configName;
  private final String modelId;
  private final boolean train;
  private final Model model;
  private final FeatureSpace space;
  /** The job's mini-batcher and trainer, mirrored (null unless training with the single trainer). */
  private final TrainingPath training;
  /** The data-parallel job's training (null unless training with parallel rounds). */
  private final ParallelPath rounds;
  private final double[] params;
  private final double[] buffers;
  private final Evaluation evaluation;
  private final MetricsSpec metricsSpec;
  private final LabelDelay delay;
  private final Consumer<EvalPoint> points;
  private final int k;
  private final double[] out;
  private final PendingLabels pending;
  private long latestEventTime = Long.MIN_VALUE;
  private long minScoredTime = Long.MAX_VALUE;
  private long maxScoredTime = Long.MIN_VALUE;
  private long rejected;
  private long arrivals;
  private boolean finished;
  // The baseline's predictor (null for a model).
  private final Prior prior;
  // Test split: samples (valid or not) of the training part, or -1 without a split.
  private long trainSamples = -1;
  private long seen;
  private boolean testing;
  private Evaluation test;
  private final PointFigures figures;

  private Prequential(String configName, String modelId, TrainingConfig config, Model fixed, double[] fixedParams,
      double[] fixedBuffers, MetricsSpec metricsSpec, LabelDelay delay, Consumer<EvalPoint> points, boolean baseline) {
    this(configName, modelId, config, null, 0, fixed, fixedParams, fixedBuffers, metricsSpec, delay, points,
        baseline);
  }

  private Prequential(String configName, String modelId, TrainingConfig config, ParallelConfig par, int partitions,
      Model fixed, double[] fixedParams, double[] fixedBuffers, MetricsSpec metricsSpec, LabelDelay delay,
      Consumer<EvalPoint> points, boolean baseline) {
    this.configName = configName;
    this.modelId = modelId;
    this.metricsSpec = metricsSpec;
    this.delay = delay;
    this.points = points;
    this.train = config != null && !baseline;
    if (par != null) {
      if (!delay.none()) {
        throw new IllegalArgumentException("a label delay with data-parallel rounds is not supported: the workers"
            + " predict and train each sample as it enters their rounds");
      }
      training = null;
      rounds = new ParallelPath(config, modelId, par, partitions, this::score);
      model = rounds.model();
      params = rounds.state().params;
      buffers = rounds.state().buffers;
    } else if (baseline) {
      rounds = null;
      training = null;
      model = config.model().newModel(1);
      params = new double[0];
      buffers = new double[0];
    } else if (train) {
      rounds = null;
      training = new TrainingPath(config, modelId);
      model = training.trainer().model();
      params = training.state().params;
      buffers = training.state().buffers;
    } else {
      rounds = null;
      training = null;
      model = fixed;
      params = fixedParams;
      buffers = fixedBuffers;
    }
    space = model.featureSpace();
    k = model.outputDim();
    out = new double[k];
    pending = new PendingLabels(k);
    evaluation = new Evaluation(Task.of(space.target()), k, metricsSpec);
    prior = baseline ? new Prior(Task.of(space.target()), k) : null;
    figures = new PointFigures(evaluation);
  }

  /** Test-then-train of {@code config} on the samples of {@code modelId}. */
  public static Prequential prequential(String configName, String modelId, TrainingConfig config,
      MetricsSpec metrics, LabelDelay delay, Consumer<EvalPoint> points) {
    return new Prequential(configName, modelId, config, null, null, null, metrics, delay, points, false);
  }

  /**
   * Test-then-train as a data-parallel job trains: {@code par}'s workers own the {@code partitions} partitions
   * ({@link #accept(Example, int)}) and end on the job's parameters bit for bit ({@link ParallelPath}). No label delay.
   */
  public static Prequential parallel(String configName, String modelId, TrainingConfig config, ParallelConfig par,
      int partitions, MetricsSpec metrics, Consumer<EvalPoint> points) {
    return new Prequential(configName, modelId, config, par, partitions, null, null, null, metrics, LabelDelay.NONE,
        points, false);
  }

  /**
   * The trivial {@link Prior} of {@code config}'s task, trained and scored exactly where a model would be (same
   * validation, label delay and test split); it never sees the features.
   */
  public static Prequential baseline(String configName, String modelId, TrainingConfig config, MetricsSpec metrics,
      LabelDelay delay, Consumer<EvalPoint> points) {
    return new Prequential(configName, modelId, config, null, null, null, metrics, delay, points, true);
  }

  /**
   * Splits the input: the first {@code samples} samples given to {@link #accept} (valid or not) are the training
   * part, every later one is a test sample, scored and never trained on. Points then carry {@code test_*} figures
   * (the cumulative ones, NaN until the first test sample) and the final point the test confusion matrix.
   */
  public Prequential testAfter(long samples) {
    if (seen > 0) {
      throw new IllegalStateException("testAfter must be set before the first sample");
    }
    trainSamples = samples;
    test = new Evaluation(evaluation.task(), k, metricsSpec);
    figures.addTest(test);
    return this;
  }

  /** Scores the fixed {@code params} and {@code buffers} of {@code model}; nothing is trained. */
  public static Prequential holdout(String configName, String modelId, Model model, double[] params,
      double[] buffers, MetricsSpec metrics, Consumer<EvalPoint> points) {
    if (params.length != model.numParams() || buffers.length != model.numBuffers()) {
      throw new IllegalArgumentException("holdout model '" + modelId + "' has " + params.length + " parameters and "
          + buffers.length + " buffer values; its spec needs " + model.numParams() + " and " + model.numBuffers());
    }
    return new Prequential(configName, modelId, null, model, params, buffers, metrics, LabelDelay.NONE, points,
        false);
  }

  /**
   * Seed of a model's shuffle: the configured seed mixed with a stable hash of the model id; the same function
   * as the training job's mini-batcher (MiniBatcherFunction.seedFor), which a test pins.
   */
  public static long shuffleSeed(long seed, String modelId) {
    return TrainingPath.shuffleSeed(seed, modelId);
  }

  /**
   * Takes the next sample of this model id: predicts it, then scores and trains on every sample whose label is
   * due. Returns why the sample was rejected, or {@link RejectReason#OK}.
   */
  public RejectReason accept(Example e) {
    return accept(e, 0);
  }

  /** {@link #accept(Example)} of a sample read from partition {@code partition} (data-parallel rounds use it). */
  public RejectReason accept(Example e, int partition) {
    if (finished) {
      throw new IllegalStateException("evaluation of '" + configName + "'/'" + modelId + "' already finished");
    }
    seen++;
    if (trainSamples >= 0 && seen > trainSamples) {
      return acceptTest(e);
    }
    RejectReason why = io.streamtrain.core.data.Validation.check(space, e);
    if (why != RejectReason.OK) {
      rejected++;
      return why;
    }
    arrivals++;
    long t = e.eventTime();
    if (t > latestEventTime) {
      latestEventTime = t;
    }
    if (rounds != null) {
      rounds.add(partition, e); // predicted when its worker takes it, scored when the round merges
      return RejectReason.OK;
    }
    predict(e);
    if (delay.none()) {
      score(e, out, 0);
      trainOn(e);
      return RejectReason.OK;
    }
    pending.add(e, out);
    releaseDue(false);
    return RejectReason.OK;
  }

  private void predict(Example e) {
    if (prior != null) {
      prior.predict(out);
    } else {
      model.predict(params, buffers, e, out);
    }
  }

  /** A sample of the test part: the training part ends at the first one; none is trained on. */
  private RejectReason acceptTest(Example e) {
    if (!testing) {
      endTraining();
      testing = true;
    }
    RejectReason why = io.streamtrain.core.data.Validation.check(space, e);
    if (why != RejectReason.OK) {
      rejected++;
      return why;
    }
    arrivals++;
    predict(e);
    test.add(out, 0, k, e.label());
    return RejectReason.OK;
  }

  /** Every pending label revealed and trained on, the shuffle buffer trained out. */
  private void endTraining() {
    releaseDue(true);
    if (rounds != null) {
      rounds.end();
    } else if (training != null) {
      training.flush(arrivals);
    }
  }

  /** End of input: every pending label is revealed, the shuffle buffer flushed, and a final point emitted. */
  public void finish() {
    if (finished) {
      return;
    }
    endTraining();
    finished = true;
    report(true);
  }

  private void releaseDue(boolean all) {
    while (pending.size() > 0) {
      Example head = pending.head();
      // The head arrived size - 1 samples before the newest one.
      boolean due = all || (pending.size() - 1 >= delay.samples()
          && (delay.ms() == 0 || latestEventTime - head.eventTime() >= delay.ms()));
      if (!due) {
        return;
      }
      score(head, pending.predictions(), pending.headOffset());
      trainOn(head);
      pending.removeHead();
    }
  }

  private void score(Example e, double[] pred, int off) {
    evaluation.add(pred, off, k, e.label());
    long t = e.eventTime();
    if (t < minScoredTime) {
      minScoredTime = t;
    }
    if (t > maxScoredTime) {
      maxScoredTime = t;
    }
    if (evaluation.samples() % metricsSpec.reportEvery() == 0) {
      report(false);
    }
  }

  private void trainOn(Example e) {
    if (prior != null) {
      prior.update(e.label());
      return;
    }
    if (training != null) {
      training.add(e, arrivals);
    }
  }

  /**
   * Runs the drift watch {@code config} (detector and reaction, as the training job does) around every training
   * step; points then carry its cumulative {@code drift_warnings} and {@code drift_detections}. Null: none.
   */
  public Prequential withDrift(io.streamtrain.core.drift.DriftConfig config) {
    if (seen > 0) {
      throw new IllegalStateException("withDrift must be set before the first sample");
    }
    if (config != null && rounds != null) {
      throw new IllegalArgumentException("drift detection runs in the single trainer only, not in data-parallel"
          + " rounds");
    }
    if (config != null && train) {
      training.watchDrift(config);
      figures.addDrift();
    }
    return this;
  }

  /** The drift watch, or null. */
  public DriftTrack drift() {
    return training != null ? training.drift() : null;
  }

  private void report(boolean last) {
    if (points == null) {
      return;
    }
    points.accept(figures.point(configName, modelId, train ? PREQUENTIAL : prior != null ? BASELINE : HOLDOUT,
        train ? state().step : 0, rejected, minScoredTime == Long.MAX_VALUE ? 0 : minScoredTime,
        maxScoredTime == Long.MIN_VALUE ? 0 : maxScoredTime, drift(), last));
  }

  /** The test part's evaluation, or null without a split. */
  public Evaluation testEvaluation() {
    return test;
  }

  public String configName() {
    return configName;
  }

  public String modelId() {
    return modelId;
  }

  public Evaluation evaluation() {
    return evaluation;
  }

  /** The trainer state (parameters, optimizer, counters); null for a holdout evaluation. */
  public TrainerState state() {
    return !train ? null : rounds != null ? rounds.state() : training.state();
  }

  public Model model() {
    return model;
  }

  /** Current parameters (the fixed ones for holdout). */
  public double[] params() {
    return params;
  }

  public long rejected() {
    return rejected;
  }

  public long arrivals() {
    return arrivals;
  }

  /** Samples predicted but not yet scored (their labels are not due yet). */
  public int pendingLabels() {
    return pending.size();
  }

  @Override
  public String toString() {
    return configName + "/" + modelId + Arrays.toString(evaluation.names());
  }
}
