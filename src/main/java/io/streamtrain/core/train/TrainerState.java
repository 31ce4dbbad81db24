package io.streamtrain.core.train;

import io.streamtrain.core.diag.DiagState;
import io.streamtrain.core.optim.Optimizer;
import io.streamtrain.core.schedule.LrScheduler;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Everything one model's training carries from batch to batch: parameters, buffers (batch-norm running
 * statistics), the optimizer with its state, the schedule position, counters, the smoothed loss and the
 * accumulators of the current metrics interval. This is exactly what a checkpoint stores per model, so a restored
 * state continues bit-identically. Created by {@link ModelTrainer#newState}; written and read in a versioned
 * binary form (the configuration itself is not written: the caller stores it beside, see the Flink serializer).
 */
public final class TrainerState {
  /**
   * 2 added the loss-spike guard's section at the end (version 1 states read with a fresh guard); 3 moved the
   * diagnostics out of the long and double blocks into their own section after the guard's, with their working
   * state; 4 writes the state as tagged, versioned parts with named scalars ({@link TrainerStateCodec}). Versions 1
   * to 3 still read.
   */
  public static final int FORMAT_VERSION = TrainerStateCodec.FORMAT_VERSION;

  public final String modelId;
  public final double[] params;
  public final double[] buffers;
  public final Optimizer optimizer;
  public final LrScheduler scheduler;
  /** The model's feature space (to rebuild the diagnostics' kept samples on read); not written. */
  final io.streamtrain.core.feature.FeatureSpace space;

  /** Optimizer steps applied (skipped batches excluded): torch's step count. */
  public long step;
  /** Batches seen, including skipped ones. */
  public long batches;
  public long samplesSeen;
  public long skippedBatches;
  public long rejectedSamples;
  /** Snapshot version last published (0 = none yet). */
  public long version;
  /** Exponentially smoothed loss with bias correction; NaN before the first batch. */
  public double lossEma = 0.0;
  public long lossEmaCount;
  public long maxEventTime = Long.MIN_VALUE;
  /** The current metrics interval's accumulators. */
  public final ReportWindow interval = new ReportWindow();
  /** Figures of the last applied step, for reports (NaN before the first one). */
  public double lastLoss = Double.NaN;
  public double lastGradNorm = Double.NaN;
  public double lastGradNormClipped = Double.NaN;
  public double lastLr = Double.NaN;
  public double lastUpdateRatio = Double.NaN;
  public double lastParamNorm = Double.NaN;
  public long lastSnapshotStep;
  public long lastSnapshotEventTime = Long.MIN_VALUE;
  /**
   * Diagnostics of this model (gradient statistics, loss window, probes, training state and their working
   * state), written as their own part.
   */
  public final DiagState diag = new DiagState();
  /** The loss-spike guard's learning-rate scale, rollback count and last good state. */
  public final GuardState guard = new GuardState();
  /**
   * The sparse path's latest exact parameter norm (NaN: compute it at the next step). Working memory, not state:
   * never written, so a restored job computes it afresh at its first step.
   */
  double paramNormCache = Double.NaN;
  /**
   * Factor on the learning rate set by a drift reaction before each step (1: none). Not written here: the drift
   * state (its own checkpointed part) decides it, and the caller sets it before every step.
   */
  private double lrBoost = 1.0;
  /** The optimizer's learning rate as configured (before schedules and guard cuts); not part of the state. */
  final double baseLr;

  TrainerState(String modelId, double[] params, double[] buffers, Optimizer optimizer, LrScheduler scheduler,
      io.streamtrain.core.feature.FeatureSpace space) {
    this.modelId = modelId;
    this.space = space;
    this.params = params;
    this.buffers = buffers;
    this.optimizer = optimizer;
    this.scheduler = scheduler;
    this.baseLr = optimizer.lr();
  }

  /** The smoothed loss (bias-corrected exponential moving average, beta {@value ModelTrainer#LOSS_EMA_BETA}). */
  public double smoothedLoss() {
    if (lossEmaCount == 0) {
      return Double.NaN;
    }
    return lossEma / (1.0 - Math.pow(ModelTrainer.LOSS_EMA_BETA, lossEmaCount));
  }

  /** A batch arrived at the step ({@code correct}: its progressive predictions that were right, -1: none). */
  void recordBatch(int samples, int correct) {
    batches++;
    if (correct >= 0) {
      interval.scored += samples;
      interval.correct += correct;
    }
    interval.batches++;
  }

  /** The batch was not applied (non-finite, spiking or refused by the optimizer). */
  void recordSkipped() {
    skippedBatches++;
    interval.skipped++;
  }

  /** An applied step: its counters, the interval's sums, the figures reports show and the smoothed loss. */
  void recordApplied(int samples, double loss, double gradNorm, ModelTrainer.StepResult r) {
    step++;
    samplesSeen += samples;
    interval.samples += samples;
    interval.lossSum += loss;
    if (r.clipped) {
      interval.clipped++;
    }
    lastLoss = loss;
    lastGradNorm = gradNorm;
    lastGradNormClipped = r.gradNormClipped;
    lastLr = r.lr;
    lastUpdateRatio = r.updateRatio;
    lastParamNorm = r.paramNorm;
    lossEma = ModelTrainer.LOSS_EMA_BETA * lossEma + (1.0 - ModelTrainer.LOSS_EMA_BETA) * loss;
    lossEmaCount++;
  }

  /** Counts {@code n} rejected samples of this model, in total and in the current interval. */
  public void noteRejected(long n) {
    rejectedSamples += n;
    interval.rejected += n;
  }

  /** Widens the interval's event-time range and the latest event time to the examples'. */
  public void noteEventTimes(java.util.List<io.streamtrain.core.data.Example> examples) {
    for (int i = 0; i < examples.size(); i++) {
      long t = examples.get(i).eventTime();
      interval.noteEventTime(t);
      if (t > maxEventTime) {
        maxEventTime = t;
      }
    }
  }

  /** The drift reaction's factor on the learning rate for the next step (1: none). */
  public double lrBoost() {
    return lrBoost;
  }

  /** Sets the drift reaction's factor on the learning rate for the next step (1: none). */
  public void setLrBoost(double boost) {
    this.lrBoost = boost;
  }

  /** The parameters were replaced outside a step: the sparse path recomputes their norm at its next step. */
  public void forgetParamNorm() {
    paramNormCache = Double.NaN;
  }

  /**
   * Starts this fresh state from given parameters and buffers (a warm start: e.g. a published snapshot mapped to
   * this model's layout), continuing snapshot versions from {@code version} (0 to start at 1). The optimizer and
   * schedule stay fresh, as when torch loads only a model's state_dict.
   */
  public void warmStart(double[] initialParams, double[] initialBuffers, long version) {
    if (initialParams.length != params.length || initialBuffers.length != buffers.length) {
      throw new IllegalArgumentException("warm start for '" + modelId + "' has " + initialParams.length
          + " parameters and " + initialBuffers.length + " buffers; the model has " + params.length + " and "
          + buffers.length);
    }
    System.arraycopy(initialParams, 0, params, 0, params.length);
    System.arraycopy(initialBuffers, 0, buffers, 0, buffers.length);
    this.version = version;
  }

  /** Writes this state in the current format ({@value #FORMAT_VERSION}: named parts, {@link TrainerStateCodec}). */
  public void write(DataOutput out) throws IOException {
    TrainerStateCodec.write(this, out);
  }

  /**
   * Reads a state written by {@link #write} (format 1 to {@value #FORMAT_VERSION}) into this one, created from the
   * same configuration.
   */
  public void read(DataInput in) throws IOException {
    TrainerStateCodec.read(this, in);
  }
}
