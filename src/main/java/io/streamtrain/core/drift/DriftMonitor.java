package io.streamtrain.core.drift;

import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One model's drift watch: its detector fed with the configured signal after every step, counters of warnings
 * and detections (total and in the current report interval), where the last ones happened, and the reaction's
 * state (the step until which the learning rate stays raised). Plain state, written and read exactly
 * ({@link #write}, {@link #read}, format {@value #FORMAT_VERSION}), so a restored model sees the same detections
 * at the same steps. Feeding a batch allocates nothing.
 */
public final class DriftMonitor {
  public static final int FORMAT_VERSION = 1;
  private static final int MAGIC = 0x53544446; // "STDF"
  /** {@link #observe} flags. */
  public static final int WARNING_STARTED = 1;
  public static final int DETECTED = 2;

  private final DriftConfig config;
  private final DriftDetector detector;
  /** Values fed since the model started. */
  public long observed;
  /** Warning zones entered (onsets) and changes detected since the model started. */
  public long warnings;
  public long detections;
  public long intervalWarnings;
  public long intervalDetections;
  /** Value index (0-based, over {@link #observed}) and step of the last warning onset and detection; -1 none. */
  public long lastWarningIndex = -1;
  public long lastWarningStep = -1;
  public long lastDetectionIndex = -1;
  public long lastDetectionStep = -1;
  /** The detector is in its warning zone after the last value. */
  public boolean inWarning;
  /** Steps below this one train with the learning rate raised by the reaction's factor. */
  public long boostUntilStep;

  /** A fresh optimizer's state for the reset_optimizer reaction (made at the first reset; not state). */
  private byte[] freshOptimizer;
  /**
   * The background reaction's model, training since the warning onset at {@link #backgroundSince} (null: none).
   * Part of the state, but written by the caller beside this monitor (it needs the training configuration to be
   * read back).
   */
  public TrainerState background;
  /** Step of the warning onset the background model trains from (-1: none). */
  public long backgroundSince = -1;
  /** Background swaps so far, and whether the last step swapped one in (for the caller's snapshot). */
  public long swaps;
  public boolean swappedThisStep;

  public DriftMonitor(DriftConfig config) {
    this.config = config;
    this.detector = config.newDetector();
  }

  public DriftConfig config() {
    return config;
  }

  public DriftDetector detector() {
    return detector;
  }

  /**
   * Feeds one step's signal: the first {@code n} entries of {@code errors} (1 wrong, 0 right; ignored unless the
   * signal is error and {@code n > 0}) or the batch {@code loss} (ignored unless the signal is loss and it is
   * finite). {@code step} is the model's step after this batch. Returns {@link #WARNING_STARTED} and/or
   * {@link #DETECTED} when that happened on one of the values.
   */
  public int observe(byte[] errors, int n, double loss, long step) {
    int flags = 0;
    if (config.signal() == DriftConfig.Signal.ERROR) {
      for (int i = 0; i < n; i++) {
        flags |= feed(errors[i], step);
      }
    } else if (Double.isFinite(loss)) {
      flags |= feed(loss, step);
    }
    return flags;
  }

  private int feed(double x, long step) {
    detector.update(x);
    long index = observed++;
    int flags = 0;
    if (detector.drift()) {
      detections++;
      intervalDetections++;
      lastDetectionIndex = index;
      lastDetectionStep = step;
      flags |= DETECTED;
    }
    boolean w = detector.warning();
    if (w && !inWarning) {
      warnings++;
      intervalWarnings++;
      lastWarningIndex = index;
      lastWarningStep = step;
      flags |= WARNING_STARTED;
    }
    inWarning = w;
    return flags;
  }

  /** Before a step of {@code trainer} on {@code s}: the learning-rate factor the reaction decided for it. */
  public void beforeStep(TrainerState s) {
    s.setLrBoost(lrBoost(s.step));
  }

  /**
   * After a step of {@code trainer} on {@code s} whose result is {@code r}: feeds its signal (the batch's
   * progressive errors or its loss) and, at a detection, applies the reaction (reset the optimizer's state to a
   * fresh one, or raise the learning rate from the next step on). Returns the {@link #observe} flags.
   */
  public int afterStep(ModelTrainer trainer, ModelTrainer.StepResult r, TrainerState s) {
    swappedThisStep = false;
    int flags = observe(trainer.lastErrors(), r.correct >= 0 ? r.samples : 0, r.loss, s.step);
    if ((flags & DETECTED) != 0) {
      react(trainer, s);
    }
    if (config.reaction() == DriftConfig.Reaction.BACKGROUND) {
      background(trainer, s, flags);
    }
    return flags;
  }

  /**
   * The background reaction after the main step: a warning onset starts a fresh model, a warning that ended
   * without a detection discards it, and while it lives it trains on the batch the main model just trained on
   * (the trainer's current batch; the main step's result is overwritten). At a detection {@link #react} swapped
   * it in before.
   */
  private void background(ModelTrainer trainer, TrainerState s, int flags) {
    if ((flags & DETECTED) == 0 && (flags & WARNING_STARTED) != 0 && background == null) {
      background = trainer.newState(s.modelId);
      backgroundSince = s.step;
    } else if (!inWarning && background != null) {
      background = null;
      backgroundSince = -1;
    }
    if (background != null) {
      trainer.train(background, trainer.batch());
    }
  }

  /** The background model's parameters, buffers and optimizer state replace the model's; its counters go on. */
  private void swapIn(TrainerState s) throws IOException {
    TrainerState b = background;
    System.arraycopy(b.params, 0, s.params, 0, s.params.length);
    System.arraycopy(b.buffers, 0, s.buffers, 0, s.buffers.length);
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    b.optimizer.writeState(new DataOutputStream(o));
    s.optimizer.readState(new DataInputStream(new ByteArrayInputStream(o.toByteArray())));
    s.forgetParamNorm();
    s.guard.hasGood = false; // the guard's last good copy is of the replaced model
    swaps++;
    swappedThisStep = true;
    lastSwapSince = backgroundSince;
    background = null;
    backgroundSince = -1;
  }

  /** Warning-onset step of the background model last swapped in (-1: none). */
  public long lastSwapSince = -1;

  private void react(ModelTrainer trainer, TrainerState s) {
    try {
      switch (config.reaction()) {
        case RESET_OPTIMIZER -> {
          if (freshOptimizer == null) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            trainer.newState(s.modelId).optimizer.writeState(new DataOutputStream(b));
            freshOptimizer = b.toByteArray();
          }
          s.optimizer.readState(new DataInputStream(new ByteArrayInputStream(freshOptimizer)));
        }
        case BOOST_LR -> startBoost(s.step);
        case BACKGROUND -> {
          if (background != null) {
            swapIn(s);
          }
        }
        default -> { }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("drift reaction " + config.reaction(), e);
    }
  }

  /** What the reaction did at a detection, for the event's message ("" for none). */
  public String reactionDescription() {
    return switch (config.reaction()) {
      case RESET_OPTIMIZER -> "; optimizer state reset";
      case BOOST_LR -> "; learning rate x " + config.boostFactor() + " until step " + boostUntilStep;
      case BACKGROUND -> swappedThisStep ? "; background model trained since step " + lastSwapSince
          + " swapped in" : "; no background model (no warning before the detection)";
      default -> "";
    };
  }

  /** The learning-rate factor of the step that comes after {@code step} steps. */
  public double lrBoost(long step) {
    return step < boostUntilStep ? config.boostFactor() : 1.0;
  }

  /** Raise the learning rate for the configured number of steps after {@code step}. */
  public void startBoost(long step) {
    boostUntilStep = step + config.boostSteps();
  }

  public void resetInterval() {
    intervalWarnings = 0;
    intervalDetections = 0;
  }

  public void write(DataOutput out) throws IOException {
    out.writeInt(MAGIC);
    out.writeByte(FORMAT_VERSION);
    long[] longs = {observed, warnings, detections, intervalWarnings, intervalDetections, lastWarningIndex,
        lastWarningStep, lastDetectionIndex, lastDetectionStep, boostUntilStep, backgroundSince, swaps,
        lastSwapSince};
    out.writeShort(longs.length);
    for (long l : longs) {
      out.writeLong(l);
    }
    out.writeBoolean(inWarning);
    detector.write(out);
  }

  /** Reads a state written by {@link #write} for a monitor of the same detector kind. */
  public void read(DataInput in) throws IOException {
    int magic = in.readInt();
    if (magic != MAGIC) {
      throw new IOException("not a drift monitor state (magic " + Integer.toHexString(magic) + ")");
    }
    int v = in.readByte();
    if (v < 1 || v > FORMAT_VERSION) {
      throw new IOException("unsupported drift monitor state version " + v + "; this build reads 1 to "
          + FORMAT_VERSION);
    }
    int n = in.readUnsignedShort();
    long[] longs = new long[Math.max(n, 13)];
    longs[10] = -1;
    longs[12] = -1;
    for (int i = 0; i < n; i++) {
      longs[i] = in.readLong();
    }
    observed = longs[0];
    warnings = longs[1];
    detections = longs[2];
    intervalWarnings = longs[3];
    intervalDetections = longs[4];
    lastWarningIndex = longs[5];
    lastWarningStep = longs[6];
    lastDetectionIndex = longs[7];
    lastDetectionStep = longs[8];
    boostUntilStep = longs[9];
    backgroundSince = longs[10];
    swaps = longs[11];
    lastSwapSince = longs[12];
    inWarning = in.readBoolean();
    detector.read(in);
  }
}
