package io.streamtrain.core.train;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What the loss-spike guard ({@link LossGuard}) carries for one model: the learning-rate scale left by past
 * rollbacks, how many there were, the step before which checks pause, and the last good state (parameters,
 * buffers, optimizer and schedule state, smoothed loss) to roll back to. Part of {@link TrainerState}, so a
 * checkpoint restores the guard exactly and a recovered job rolls back where the uninterrupted one would. The
 * copy reuses its memory: after the first one, taking a good state allocates nothing.
 */
public final class GuardState {
  /** Factor applied to the scheduled (or configured) learning rate: the product of the rollbacks' cuts. */
  public double lrScale = 1.0;
  /** Rollbacks so far. */
  public long rollbacks;
  /** Checks pause until the trainer's step reaches this (a cool-down after a rollback). */
  public long resumeStep;

  /** Whether a good state has been taken, and the trainer step it was taken before. */
  public boolean hasGood;
  public long goodStep;
  double goodLossEma;
  long goodLossEmaCount;
  private double[] goodParams;
  private double[] goodBuffers;
  private final ByteSink goodOptimizer = new ByteSink();
  private final ByteSink goodSchedule = new ByteSink();

  /** Copies the state {@code s} is in now as the last good state. */
  void save(TrainerState s) {
    if (goodParams == null) {
      goodParams = new double[s.params.length];
      goodBuffers = new double[s.buffers.length];
    }
    System.arraycopy(s.params, 0, goodParams, 0, goodParams.length);
    System.arraycopy(s.buffers, 0, goodBuffers, 0, goodBuffers.length);
    try {
      goodOptimizer.reset();
      s.optimizer.writeState(goodOptimizer);
      goodSchedule.reset();
      if (s.scheduler != null) {
        s.scheduler.writeState(goodSchedule);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in-memory writes do not fail
    }
    goodStep = s.step;
    goodLossEma = s.lossEma;
    goodLossEmaCount = s.lossEmaCount;
    hasGood = true;
  }

  /** Puts {@code s} back into the last good state (counters other than the smoothed loss keep running). */
  void restore(TrainerState s) {
    System.arraycopy(goodParams, 0, s.params, 0, goodParams.length);
    System.arraycopy(goodBuffers, 0, s.buffers, 0, goodBuffers.length);
    try {
      s.optimizer.readState(goodOptimizer.input());
      if (s.scheduler != null) {
        s.scheduler.readState(goodSchedule.input());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("the guard's copy of the optimizer or schedule state does not read back", e);
    }
    s.lossEma = goodLossEma;
    s.lossEmaCount = goodLossEmaCount;
  }

  void clear() {
    lrScale = 1.0;
    rollbacks = 0;
    resumeStep = 0;
    hasGood = false;
    goodStep = 0;
    goodLossEma = 0;
    goodLossEmaCount = 0;
  }

  void write(DataOutput out) throws IOException {
    out.writeDouble(lrScale);
    out.writeLong(rollbacks);
    out.writeLong(resumeStep);
    out.writeBoolean(hasGood);
    if (hasGood) {
      out.writeLong(goodStep);
      out.writeDouble(goodLossEma);
      out.writeLong(goodLossEmaCount);
      TrainerStateCodec.writeDoubles(out, goodParams);
      TrainerStateCodec.writeDoubles(out, goodBuffers);
      goodOptimizer.writeTo(out);
      goodSchedule.writeTo(out);
    }
  }

  /** Reads a guard state written by {@link #write} for a model of the given sizes. */
  void read(DataInput in, int numParams, int numBuffers) throws IOException {
    lrScale = in.readDouble();
    rollbacks = in.readLong();
    resumeStep = in.readLong();
    hasGood = in.readBoolean();
    if (hasGood) {
      goodStep = in.readLong();
      goodLossEma = in.readDouble();
      goodLossEmaCount = in.readLong();
      if (goodParams == null) {
        goodParams = new double[numParams];
        goodBuffers = new double[numBuffers];
      }
      TrainerStateCodec.readDoubles(in, goodParams, "guard parameters");
      TrainerStateCodec.readDoubles(in, goodBuffers, "guard buffers");
      goodOptimizer.readFrom(in);
      goodSchedule.readFrom(in);
    }
  }
}
