package io.streamtrain.core.eval;

import io.streamtrain.core.drift.DriftConfig;
import io.streamtrain.core.drift.DriftMonitor;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import java.util.Arrays;

/**
 * A replayed model's drift watch: the same {@link DriftMonitor} (detector and reaction) as the training job runs
 * around each step, plus where in the replayed stream each warning onset and detection happened (the number of
 * samples that had arrived), so a replay can be scored against known change points (detection delay, false
 * alarms). Positions are kept only for detections and warnings, never per sample.
 */
public final class DriftTrack {
  private final DriftMonitor monitor;
  private long[] detections = new long[8];
  private int nDetections;
  private long[] warnings = new long[8];
  private int nWarnings;

  public DriftTrack(DriftConfig config) {
    this.monitor = new DriftMonitor(config);
  }

  public DriftMonitor monitor() {
    return monitor;
  }

  void beforeStep(TrainerState s) {
    monitor.beforeStep(s);
  }

  /** After a step; {@code arrivals} is the number of samples of the stream that had arrived. */
  void afterStep(ModelTrainer trainer, ModelTrainer.StepResult r, TrainerState s, long arrivals) {
    int flags = monitor.afterStep(trainer, r, s);
    if ((flags & DriftMonitor.DETECTED) != 0) {
      if (nDetections == detections.length) {
        detections = Arrays.copyOf(detections, 2 * nDetections);
      }
      detections[nDetections++] = arrivals;
    }
    if ((flags & DriftMonitor.WARNING_STARTED) != 0) {
      if (nWarnings == warnings.length) {
        warnings = Arrays.copyOf(warnings, 2 * nWarnings);
      }
      warnings[nWarnings++] = arrivals;
    }
  }

  /** Stream positions (samples arrived) at each detection, in order. */
  public long[] detections() {
    return Arrays.copyOf(detections, nDetections);
  }

  /** Stream positions at each warning onset, in order. */
  public long[] warnings() {
    return Arrays.copyOf(warnings, nWarnings);
  }

  /**
   * Scores detections against known change points (stream positions, increasing): a detection in
   * [c, next change) is the first detection of change c when it is the first there (its delay: position - c);
   * every other detection (before the first change, or a second one for the same change) is a false alarm.
   * Returns {detected changes, mean delay (NaN when none), false alarms}.
   */
  public static double[] score(long[] detections, long[] changes) {
    int detected = 0;
    double delaySum = 0;
    int falseAlarms = 0;
    boolean[] seen = new boolean[changes.length];
    for (long d : detections) {
      int c = -1;
      for (int i = 0; i < changes.length && changes[i] <= d; i++) {
        c = i;
      }
      if (c < 0 || seen[c]) {
        falseAlarms++;
      } else {
        seen[c] = true;
        detected++;
        delaySum += d - changes[c];
      }
    }
    return new double[] {detected, detected > 0 ? delaySum / detected : Double.NaN, falseAlarms};
  }
}
