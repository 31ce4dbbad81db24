package io.streamtrain.core.parallel;

import io.streamtrain.core.train.ModelTrainer.StepResult;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * What a worker's current round has done so far, for its {@link RoundStats}: samples and steps trained, the batch
 * losses weighted by batch size, samples scored and correct, the wall time spent waiting for a merged round
 * (reported, never trained on) and the event-time range of the round's samples. Part of the worker's state.
 * Not a {@link io.streamtrain.core.train.ReportWindow}, though both count samples, scored and correct predictions
 * and an event-time range: a round's loss is weighted by batch size (rounds of workers with different batch counts
 * are summed into one mean per sample), it counts steps and merge waits where the window counts clipped, rejected and
 * skipped batches, and it lives in the worker's state (its own positional block) rather than in the trainer state's
 * named {@code report} part. Sharing one class would leave each with fields it never uses.
 */
final class RoundTally {
  private long samples;
  private long steps;
  private long scored;
  private long correct;
  private double loss;
  private long waitMs;
  private long minTime = Long.MAX_VALUE;
  private long maxTime = Long.MIN_VALUE;

  /** A sample of event time {@code t} joins the round. */
  void time(long t) {
    if (t < minTime) {
      minTime = t;
    }
    if (t > maxTime) {
      maxTime = t;
    }
  }

  /** A step on a batch of {@code k} samples. */
  void step(StepResult r, int k) {
    steps++;
    samples += k;
    if (Double.isFinite(r.loss)) {
      loss += r.loss * k;
    }
    if (r.correct >= 0) {
      scored += k;
      correct += r.correct;
    }
  }

  void waited(long ms) {
    waitMs += ms;
  }

  /** The round's statistics, as worker {@code worker} of {@code workers} reports them. */
  RoundStats stats(int workers, int worker) {
    long[] ws = new long[workers];
    ws[worker] = samples;
    return new RoundStats(samples, steps, loss, scored, correct, ws, waitMs, minTime, maxTime);
  }

  /** Starts the next round's tally. */
  void reset() {
    samples = 0;
    steps = 0;
    loss = 0.0;
    scored = 0;
    correct = 0;
    waitMs = 0;
    minTime = Long.MAX_VALUE;
    maxTime = Long.MIN_VALUE;
  }

  void write(DataOutput out) throws IOException {
    for (long l : new long[] {samples, steps, scored, correct, waitMs, minTime, maxTime}) {
      out.writeLong(l);
    }
    out.writeDouble(loss);
  }

  void read(DataInput in) throws IOException {
    samples = in.readLong();
    steps = in.readLong();
    scored = in.readLong();
    correct = in.readLong();
    waitMs = in.readLong();
    minTime = in.readLong();
    maxTime = in.readLong();
    loss = in.readDouble();
  }
}
