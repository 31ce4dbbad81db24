package io.streamtrain.core.train;

import io.streamtrain.core.state.ByteSink;
import io.streamtrain.core.state.Fields;
import io.streamtrain.core.state.PartReader;
import io.streamtrain.core.state.PartWriter;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;

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

  /** The guard part's version {@link #write} writes; {@link #read} reads it and version 1. */
  static final int VERSION = 2;
  /** Sub-part tags of version 2: stable numbers, never reused. */
  private static final int SCALARS = 1;
  private static final int GOOD_PARAMS = 2;
  private static final int GOOD_BUFFERS = 3;
  private static final int GOOD_OPTIMIZER = 4;
  private static final int GOOD_SCHEDULE = 5;

  private static final Fields<GuardState> FIELDS = new Fields<>(
      Fields.ofDouble("lr_scale", g -> g.lrScale, (g, v) -> g.lrScale = v),
      Fields.ofLong("rollbacks", g -> g.rollbacks, (g, v) -> g.rollbacks = v),
      Fields.ofLong("resume_step", g -> g.resumeStep, (g, v) -> g.resumeStep = v),
      Fields.ofLong("has_good", g -> g.hasGood ? 1 : 0, (g, v) -> g.hasGood = v != 0),
      Fields.ofLong("good_step", g -> g.goodStep, (g, v) -> g.goodStep = v),
      Fields.ofDouble("good_loss_ema", g -> g.goodLossEma, (g, v) -> g.goodLossEma = v),
      Fields.ofLong("good_loss_ema_count", g -> g.goodLossEmaCount, (g, v) -> g.goodLossEmaCount = v));

  /**
   * Version 2: named scalars ({@link Fields}), then, with a good copy, its parameters, buffers, optimizer and
   * schedule state, each a sub-part ({@link PartWriter}), so none is read by its position.
   */
  void write(DataOutput out) throws IOException {
    PartWriter w = new PartWriter(out, hasGood ? 5 : 1);
    w.part(SCALARS, 1, o -> FIELDS.write(o, this));
    if (hasGood) {
      w.part(GOOD_PARAMS, 1, o -> TrainerStateCodec.writeDoubles(o, goodParams));
      w.part(GOOD_BUFFERS, 1, o -> TrainerStateCodec.writeDoubles(o, goodBuffers));
      w.part(GOOD_OPTIMIZER, 1, goodOptimizer::writeTo);
      w.part(GOOD_SCHEDULE, 1, goodSchedule::writeTo);
    }
    w.finish();
  }

  /** Reads a guard part of {@code version} (1: positional, 2: {@link #write}) for a model of the given sizes. */
  void read(DataInput in, int version, int numParams, int numBuffers) throws IOException {
    if (version == 1) {
      readPositional(in, numParams, numBuffers);
      return;
    }
    clear();
    Set<Integer> found = PartReader.read(in, (tag, v, body) -> {
      switch (tag) {
        case SCALARS -> {
          PartReader.expectVersion("guard scalars", v, 1);
          FIELDS.read(body, this);
        }
        case GOOD_PARAMS -> {
          PartReader.expectVersion("guard parameters", v, 1);
          TrainerStateCodec.readDoubles(body, goodParams(numParams, numBuffers), "guard parameters");
        }
        case GOOD_BUFFERS -> {
          PartReader.expectVersion("guard buffers", v, 1);
          goodParams(numParams, numBuffers);
          TrainerStateCodec.readDoubles(body, goodBuffers, "guard buffers");
        }
        case GOOD_OPTIMIZER -> {
          PartReader.expectVersion("guard optimizer", v, 1);
          goodOptimizer.readFrom(body);
        }
        case GOOD_SCHEDULE -> {
          PartReader.expectVersion("guard schedule", v, 1);
          goodSchedule.readFrom(body);
        }
        default -> {
          return false;
        }
      }
      return true;
    });
    if (hasGood && !found.containsAll(Set.of(GOOD_PARAMS, GOOD_BUFFERS, GOOD_OPTIMIZER, GOOD_SCHEDULE))) {
      throw new IOException("guard state has a good copy but not all of its parts (found " + found + ")");
    }
  }

  private double[] goodParams(int numParams, int numBuffers) {
    if (goodParams == null) {
      goodParams = new double[numParams];
      goodBuffers = new double[numBuffers];
    }
    return goodParams;
  }

  /** Version 1 (trainer state formats 2 to 4 before the guard's named fields): the values in a fixed order. */
  private void readPositional(DataInput in, int numParams, int numBuffers) throws IOException {
    lrScale = in.readDouble();
    rollbacks = in.readLong();
    resumeStep = in.readLong();
    hasGood = in.readBoolean();
    if (hasGood) {
      goodStep = in.readLong();
      goodLossEma = in.readDouble();
      goodLossEmaCount = in.readLong();
      TrainerStateCodec.readDoubles(in, goodParams(numParams, numBuffers), "guard parameters");
      TrainerStateCodec.readDoubles(in, goodBuffers, "guard buffers");
      goodOptimizer.readFrom(in);
      goodSchedule.readFrom(in);
    }
  }
}
