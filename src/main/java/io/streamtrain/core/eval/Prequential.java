package io.streamtrain.core.eval;

import io.streamtrain.batch.ShuffleBuffer;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.RejectReason;
import io.streamtrain.core.metric.Evaluation;
import io.streamtrain.core.metric.MetricsSpec;
import io.streamtrain.core.metric.Task;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.random.Xoshiro256;
import io.streamtrain.core.train.Batching;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.core.train.TrainingConfig;
import java.io.DataInput;
import java.io.DataOutput;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Evaluation of one model id under one configuration, sample by sample, in arrival order. Prequential
 * (test-then-train, Dawid 1984; Gama et al. 2013): each sample is first predicted by the model as it is when the
 * sample arrives (evaluation mode), then, once its label is due ({@link LabelDelay}), scored and handed to the
 * training path. Holdout: a fixed model is scored and never trained.
 *
 * <p>The training path is the training job's, step for step: a shuffle buffer of capacity K seeded exactly as
 * the job's mini-batcher seeds it ({@link #shuffleSeed}), a flush of the buffer in random batches when a
 * sample's event time reaches the last one's plus the idle gap, a random batch of B whenever the buffer is full,
 * a final flush at the end of the input, and the same {@link ModelTrainer#train} step. So the same samples in the
 * same order give the training job's parameters bit for bit, with or without a label delay (a delay postpones
 * training, it does not reorder it). The job also flushes when the watermark passes the idle gap; on in-order
 * input that flush precedes the same data-driven one and forms the same batches.
 *
 * <p>Invalid samples (not fitting the model's feature space) are counted and skipped, as the job rejects them.
 * Points of the curve go to a consumer every {@code report_every} scored samples and once at {@link #finish}.
 * Not thread-safe; one instance per (configuration, model id).
 */
public final class Prequential {
  public static final String PREQUENTIAL = "prequential";
  public static final String HOLDOUT = "holdout";

  private final String configName;
  private final String modelId;
  private final boolean train;
  private final Model model;
  private final FeatureSpace space;
  private final ModelTrainer trainer;
  private final TrainerState state;
  private final double[] params;
  private final double[] buffers;
  private final Evaluation evaluation;
  private final MetricsSpec metricsSpec;
  private final LabelDelay delay;
  private final Consumer<EvalPoint> points;
  private final int k;
  private final double[] out;
  // Samples waiting for their labels: a growable ring of copies with their predictions.
  private Example[] pending = new Example[16];
  private double[] pendingPred = new double[16];
  private int pendHead;
  private int pendSize;
  // The job's mini-batcher, mirrored.
  private final Batching batching;
  private final ShuffleBuffer<Example> shuffle;
  private long lastEventTime = Long.MIN_VALUE;
  private long latestEventTime = Long.MIN_VALUE;
  private long minScoredTime = Long.MAX_VALUE;
  private long maxScoredTime = Long.MIN_VALUE;
  private long rejected;
  private long arrivals;
  private final double[] valueScratch;
  private boolean finished;

  private Prequential(String configName, String modelId, TrainingConfig config, Model fixed, double[] fixedParams,
      double[] fixedBuffers, MetricsSpec metricsSpec, LabelDelay delay, Consumer<EvalPoint> points) {
    this.configName = configName;
    this.modelId = modelId;
    this.metricsSpec = metricsSpec;
    this.delay = delay;
    this.points = points;
    this.train = config != null;
    if (train) {
      trainer = new ModelTrainer(config);
      model = trainer.model();
      state = trainer.newState(modelId);
      params = state.params;
      buffers = state.buffers;
      batching = config.batching();
      shuffle = new ShuffleBuffer<>(batching.shuffleCapacity(), shuffleSeed(batching.seed(), modelId), SLOTS);
    } else {
      trainer = null;
      state = null;
      model = fixed;
      params = fixedParams;
      buffers = fixedBuffers;
      batching = null;
      shuffle = null;
    }
    space = model.featureSpace();
    k = model.outputDim();
    out = new double[k];
    if (k > 1) {
      pendingPred = new double[16 * k];
    }
    evaluation = new Evaluation(Task.of(space.target()), k, metricsSpec);
    valueScratch = new double[evaluation.size()];
  }

  /** Test-then-train of {@code config} on the samples of {@code modelId}. */
  public static Prequential prequential(String configName, String modelId, TrainingConfig config,
      MetricsSpec metrics, LabelDelay delay, Consumer<EvalPoint> points) {
    return new Prequential(configName, modelId, config, null, null, null, metrics, delay, points);
  }

  /** Scores the fixed {@code params} and {@code buffers} of {@code model}; nothing is trained. */
  public static Prequential holdout(String configName, String modelId, Model model, double[] params,
      double[] buffers, MetricsSpec metrics, Consumer<EvalPoint> points) {
    if (params.length != model.numParams() || buffers.length != model.numBuffers()) {
      throw new IllegalArgumentException("holdout model '" + modelId + "' has " + params.length + " parameters and "
          + buffers.length + " buffer values; its spec needs " + model.numParams() + " and " + model.numBuffers());
    }
    return new Prequential(configName, modelId, null, model, params, buffers, metrics, LabelDelay.NONE, points);
  }

  /**
   * Seed of a model's shuffle: the configured seed mixed with a stable hash of the model id; the same function
   * as the training job's mini-batcher (MiniBatcherFunction.seedFor), which a test pins.
   */
  public static long shuffleSeed(long seed, String modelId) {
    long h = 1125899906842597L;
    for (byte b : modelId.getBytes(StandardCharsets.UTF_8)) {
      h = 31 * h + b;
    }
    return Xoshiro256.splitMix(seed ^ h);
  }

  /**
   * Takes the next sample of this model id: predicts it, then scores and trains on every sample whose label is
   * due. Returns why the sample was rejected, or {@link RejectReason#OK}.
   */
  public RejectReason accept(Example e) {
    if (finished) {
      throw new IllegalStateException("evaluation of '" + configName + "'/'" + modelId + "' already finished");
    }
    RejectReason why = space.validate(e);
    if (why != RejectReason.OK) {
      rejected++;
      return why;
    }
    arrivals++;
    long t = e.eventTime();
    if (t > latestEventTime) {
      latestEventTime = t;
    }
    model.predict(params, buffers, e, out);
    if (delay.none()) {
      score(e, out, 0);
      trainOn(e);
      return RejectReason.OK;
    }
    enqueue(e);
    releaseDue(false);
    return RejectReason.OK;
  }

  /** End of input: every pending label is revealed, the shuffle buffer flushed, and a final point emitted. */
  public void finish() {
    if (finished) {
      return;
    }
    releaseDue(true);
    if (train) {
      while (!shuffle.isEmpty()) {
        emitBatch();
      }
    }
    finished = true;
    report(true);
  }

  private void enqueue(Example e) {
    if (pendSize == pending.length) {
      int cap = pending.length * 2;
      Example[] np = new Example[cap];
      double[] npp = new double[cap * k];
      for (int i = 0; i < pendSize; i++) {
        int j = (pendHead + i) % pending.length;
        np[i] = pending[j];
        System.arraycopy(pendingPred, j * k, npp, i * k, k);
      }
      pending = np;
      pendingPred = npp;
      pendHead = 0;
    }
    int tail = (pendHead + pendSize) % pending.length;
    if (pending[tail] == null) {
      pending[tail] = new Example();
    }
    pending[tail].copyFrom(e);
    System.arraycopy(out, 0, pendingPred, tail * k, k);
    pendSize++;
  }

  private void releaseDue(boolean all) {
    while (pendSize > 0) {
      Example head = pending[pendHead];
      // The head arrived pendSize - 1 samples before the newest one.
      boolean due = all || (pendSize - 1 >= delay.samples()
          && (delay.ms() == 0 || latestEventTime - head.eventTime() >= delay.ms()));
      if (!due) {
        return;
      }
      score(head, pendingPred, pendHead * k);
      trainOn(head);
      pendHead = pendHead + 1 == pending.length ? 0 : pendHead + 1;
      pendSize--;
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
    if (!train) {
      return;
    }
    long t = e.eventTime();
    // MiniBatcherFunction.processElement, step for step.
    if (batching.idleGapMs() > 0 && !shuffle.isEmpty() && t >= lastEventTime + batching.idleGapMs()) {
      while (!shuffle.isEmpty()) {
        emitBatch();
      }
    }
    shuffle.add(e);
    if (t > lastEventTime) {
      lastEventTime = t;
    }
    if (shuffle.isFull()) {
      emitBatch();
    }
  }

  private void emitBatch() {
    int n = shuffle.draw(batching.batchSize());
    int from = shuffle.size();
    Batch b = trainer.batch();
    b.clear();
    for (int i = 0; i < n; i++) {
      b.add(shuffle.slot(from + i));
    }
    trainer.train(state, b);
  }

  private void report(boolean last) {
    if (points == null) {
      return;
    }
    evaluation.values(valueScratch);
    points.accept(new EvalPoint(configName, modelId, train ? PREQUENTIAL : HOLDOUT, evaluation.samples(),
        train ? state.step : 0, rejected, minScoredTime == Long.MAX_VALUE ? 0 : minScoredTime,
        maxScoredTime == Long.MIN_VALUE ? 0 : maxScoredTime, evaluation.names(), valueScratch.clone(), last));
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
    return state;
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
    return pendSize;
  }

  /** Copies into reused slots; the replay keeps its buffer in memory, so it is never serialized. */
  private static final ShuffleBuffer.SlotCodec<Example> SLOTS = new ShuffleBuffer.SlotCodec<>() {
    @Override
    public Example newSlot() {
      return new Example();
    }

    @Override
    public void copy(Example from, Example to) {
      to.copyFrom(from);
    }

    @Override
    public void write(Example sample, DataOutput o) {
      throw new UnsupportedOperationException("replay shuffle buffers are not checkpointed");
    }

    @Override
    public void read(DataInput in, Example into) {
      throw new UnsupportedOperationException("replay shuffle buffers are not checkpointed");
    }
  };

  @Override
  public String toString() {
    return configName + "/" + modelId + Arrays.toString(evaluation.names());
  }
}
