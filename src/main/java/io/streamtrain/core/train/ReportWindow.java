package io.streamtrain.core.train;

/**
 * The accumulators of one model's current metrics interval (what its next report sums up): batches, samples,
 * clipped, rejected and skipped batches, progressive predictions scored and right, the loss sum and the event-time
 * range. Part of {@link TrainerState} (its "report" part), so a restored job reports the interval the
 * uninterrupted one would; {@link #reset} starts the next interval.
 */
public final class ReportWindow {
  public long batches;
  public long samples;
  public long clipped;
  public long rejected;
  public long skipped;
  /** Samples scored before training on them (classifiers) and how many were right. */
  public long scored;
  public long correct;
  public double lossSum;
  public long eventMin = Long.MAX_VALUE;
  public long eventMax = Long.MIN_VALUE;

  /** Widens the interval's event-time range to {@code t}. */
  public void noteEventTime(long t) {
    if (t < eventMin) {
      eventMin = t;
    }
    if (t > eventMax) {
      eventMax = t;
    }
  }

  public void reset() {
    batches = 0;
    samples = 0;
    clipped = 0;
    rejected = 0;
    skipped = 0;
    scored = 0;
    correct = 0;
    lossSum = 0.0;
    eventMin = Long.MAX_VALUE;
    eventMax = Long.MIN_VALUE;
  }
}
