package io.streamtrain.core.train;

/**
 * When a model's next snapshot is due: every {@code everySteps} optimizer steps and/or every
 * {@code everyEventTimeMs} of event time (counted from the first event the model saw), at once when a reaction
 * replaced the parameters, and at the end of a bounded input when a step was taken since the last one. Never
 * before the first step. Decided on the state's counters and event time only (never the wall clock), so a replay
 * or a recovered job publishes the same versions at the same steps.
 */
public record SnapshotCadence(long everySteps, long everyEventTimeMs) {

  /**
   * Whether a snapshot of {@code s} is due now. {@code atEnd}: the input ended; {@code forced}: the parameters
   * were replaced (a drift reaction). Starts the event-time cadence at the model's first event.
   */
  public boolean due(TrainerState s, boolean atEnd, boolean forced) {
    if (s.lastSnapshotEventTime == Long.MIN_VALUE && s.maxEventTime != Long.MIN_VALUE) {
      s.lastSnapshotEventTime = s.maxEventTime;
    }
    boolean due;
    if (atEnd) {
      due = s.step > s.lastSnapshotStep;
    } else {
      boolean bySteps = everySteps > 0 && s.step - s.lastSnapshotStep >= everySteps;
      boolean byTime = everyEventTimeMs > 0 && s.lastSnapshotEventTime != Long.MIN_VALUE
          && s.maxEventTime - s.lastSnapshotEventTime >= everyEventTimeMs;
      due = bySteps || byTime || forced;
    }
    return due && s.step > 0;
  }

  /** Marks a snapshot of {@code s} as published now; returns its version (the next one). */
  public static long published(TrainerState s) {
    s.version++;
    s.lastSnapshotStep = s.step;
    s.lastSnapshotEventTime = s.maxEventTime;
    return s.version;
  }
}
