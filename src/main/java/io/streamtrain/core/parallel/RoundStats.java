package io.streamtrain.core.parallel;

/**
 * What a round did: samples trained, optimizer steps, the sum of the batch losses weighted by batch size (each
 * batch scored before its update: progressive), samples scored for accuracy and correct among them, and per worker
 * the samples it trained in the round (a merged round's statistics sum its workers'). {@code waitMs}: how long the
 * worker(s) waited for merged rounds before this round could start (wall time; reported, never used in training).
 * {@code minEventTime} / {@code maxEventTime}: the event-time range of the round's samples (MAX / MIN when none).
 */
public record RoundStats(long samples, long steps, double lossSum, long scored, long correct, long[] workerSamples,
    long waitMs, long minEventTime, long maxEventTime) {
  public static RoundStats empty(int workers) {
    return new RoundStats(0, 0, 0.0, 0, 0, new long[workers], 0, Long.MAX_VALUE, Long.MIN_VALUE);
  }

  /** The sum of two rounds' statistics, this one's first (the order of the loss sum is fixed: worker order). */
  public RoundStats plus(RoundStats o) {
    long[] ws = workerSamples.clone();
    for (int i = 0; i < ws.length && i < o.workerSamples.length; i++) {
      ws[i] += o.workerSamples[i];
    }
    return new RoundStats(samples + o.samples, steps + o.steps, lossSum + o.lossSum, scored + o.scored,
        correct + o.correct, ws, Math.max(waitMs, o.waitMs), Math.min(minEventTime, o.minEventTime),
        Math.max(maxEventTime, o.maxEventTime));
  }

  /** Mean progressive loss of the round's samples (NaN when none). */
  public double meanLoss() {
    return samples == 0 ? Double.NaN : lossSum / samples;
  }
}
