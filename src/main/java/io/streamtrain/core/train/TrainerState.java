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
  private static final int MAGIC = 0x53545453; // "STTS"
  /**
   * 2 added the loss-spike guard's section at the end (version 1 states read with a fresh guard); 3 moved the
   * diagnostics out of the long and double blocks into their own section after the guard's, with their working
   * state (reservoir, previous gradient, probe in progress, work accounting). Versions 1 and 2 still read: their
   * diagnostics scalars come from the blocks and the working state starts empty, as it did then.
   */
  public static final int FORMAT_VERSION = 3;
  /** Values of the long and double blocks before the diagnostics' (format version 1 as first released). */
  private static final int BASE_LONGS = 19;
  private static final int BASE_DOUBLES = 6;

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

  // Current metrics interval.
  public long intervalBatches;
  public long intervalSamples;
  public long intervalClipped;
  public long intervalRejected;
  public long intervalSkipped;
  /** Samples scored before training on them (classifiers) and how many were right, in this interval. */
  public long intervalScored;
  public long intervalCorrect;
  public double intervalLossSum;
  public long intervalEventMin = Long.MAX_VALUE;
  public long intervalEventMax = Long.MIN_VALUE;
  public long maxEventTime = Long.MIN_VALUE;
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
   * state), written as their own section after the guard's.
   */
  public final DiagState diag = new DiagState();
  /** The loss-spike guard's learning-rate scale, rollback count and last good state. */
  public final GuardState guard = new GuardState();
  /**
   * The sparse path's latest exact parameter norm (NaN: compute it at the next step). Working memory, not state:
   * never written, so a restored job computes it afresh at its first step.
   */
  public double paramNormCache = Double.NaN;
  /**
   * Factor on the learning rate set by a drift reaction before each step (1: none). Not written here: the drift
   * state (its own checkpointed part) decides it, and the caller sets it before every step.
   */
  public double lrBoost = 1.0;
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

  public void resetInterval() {
    intervalBatches = 0;
    intervalSamples = 0;
    intervalClipped = 0;
    intervalRejected = 0;
    intervalSkipped = 0;
    intervalScored = 0;
    intervalCorrect = 0;
    intervalLossSum = 0.0;
    intervalEventMin = Long.MAX_VALUE;
    intervalEventMax = Long.MIN_VALUE;
  }

  public void write(DataOutput out) throws IOException {
    out.writeInt(MAGIC);
    out.writeByte(FORMAT_VERSION);
    out.writeUTF(modelId);
    writeDoubles(out, params);
    writeDoubles(out, buffers);
    optimizer.writeState(out);
    out.writeBoolean(scheduler != null);
    if (scheduler != null) {
      scheduler.writeState(out);
    }
    long[] longs = {step, batches, samplesSeen, skippedBatches, rejectedSamples, version, lossEmaCount,
        intervalBatches, intervalSamples, intervalClipped, intervalRejected, intervalSkipped, intervalEventMin,
        intervalEventMax, maxEventTime, lastSnapshotStep, lastSnapshotEventTime, intervalScored, intervalCorrect};
    out.writeShort(longs.length);
    for (long l : longs) {
      out.writeLong(l);
    }
    out.writeDouble(lossEma);
    out.writeDouble(intervalLossSum);
    double[] last = {lastLoss, lastGradNorm, lastGradNormClipped, lastLr, lastUpdateRatio, lastParamNorm};
    out.writeShort(last.length);
    for (double d : last) {
      out.writeDouble(d);
    }
    guard.write(out);
    diag.write(out);
  }

  /** Reads a state written by {@link #write} into this one (created from the same configuration). */
  public void read(DataInput in) throws IOException {
    int magic = in.readInt();
    if (magic != MAGIC) {
      throw new IOException("not a trainer state (magic " + Integer.toHexString(magic) + ")");
    }
    int version = in.readByte();
    if (version < 1 || version > FORMAT_VERSION) {
      throw new IOException(
          "unsupported trainer state version " + version + "; this build reads 1 to " + FORMAT_VERSION);
    }
    String id = in.readUTF();
    if (!id.equals(modelId)) {
      throw new IOException("trainer state is for model '" + id + "', expected '" + modelId + "'");
    }
    readDoubles(in, params, "parameters");
    readDoubles(in, buffers, "buffers");
    optimizer.readState(in);
    boolean hasSched = in.readBoolean();
    if (hasSched != (scheduler != null)) {
      throw new IOException("trainer state " + (hasSched ? "has" : "has no") + " schedule, configuration "
          + (scheduler != null ? "has" : "has no") + " schedule");
    }
    if (scheduler != null) {
      scheduler.readState(in);
    }
    int n = in.readUnsignedShort();
    long[] longs = new long[Math.max(n, BASE_LONGS)];
    for (int i = 0; i < n; i++) {
      longs[i] = in.readLong();
    }
    step = longs[0];
    batches = longs[1];
    samplesSeen = longs[2];
    skippedBatches = longs[3];
    rejectedSamples = longs[4];
    this.version = longs[5];
    lossEmaCount = longs[6];
    intervalBatches = longs[7];
    intervalSamples = longs[8];
    intervalClipped = longs[9];
    intervalRejected = longs[10];
    intervalSkipped = longs[11];
    intervalEventMin = longs[12];
    intervalEventMax = longs[13];
    maxEventTime = longs[14];
    lastSnapshotStep = longs[15];
    lastSnapshotEventTime = longs[16];
    intervalScored = longs[17];
    intervalCorrect = longs[18];
    lossEma = in.readDouble();
    intervalLossSum = in.readDouble();
    int m = in.readUnsignedShort();
    double[] last = new double[Math.max(m, BASE_DOUBLES)];
    java.util.Arrays.fill(last, Double.NaN);
    for (int i = 0; i < m; i++) {
      last[i] = in.readDouble();
    }
    if (version < 3) {
      int diagLongCount = Math.max(0, n - BASE_LONGS);
      diag.readLegacyLongs(java.util.Arrays.copyOfRange(longs, BASE_LONGS, BASE_LONGS + diagLongCount),
          diagLongCount);
      int diagDoubleCount = Math.max(0, m - BASE_DOUBLES);
      diag.readLegacyDoubles(java.util.Arrays.copyOfRange(last, BASE_DOUBLES, BASE_DOUBLES + diagDoubleCount),
          diagDoubleCount);
    }
    lastLoss = last[0];
    lastGradNorm = last[1];
    lastGradNormClipped = last[2];
    lastLr = last[3];
    lastUpdateRatio = last[4];
    lastParamNorm = last[5];
    if (version >= 2) {
      guard.read(in, params.length, buffers.length);
    } else {
      guard.clear();
    }
    if (version >= 3) {
      diag.read(in, space, params.length);
    }
  }

  static void writeDoubles(DataOutput out, double[] a) throws IOException {
    out.writeInt(a.length);
    io.streamtrain.core.optim.StateIo.writeValues(out, a);
  }

  static void readDoubles(DataInput in, double[] into, String what) throws IOException {
    int n = in.readInt();
    if (n != into.length) {
      throw new IOException(what + ": state has " + n + " values, the model has " + into.length);
    }
    io.streamtrain.core.optim.StateIo.readValues(in, into);
  }
}
