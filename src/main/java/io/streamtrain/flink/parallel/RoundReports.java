package io.streamtrain.flink.parallel;

import io.streamtrain.avro.TrainingEvent;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.parallel.RoundStats;
import io.streamtrain.core.train.TrainerState;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The metrics report of a data-parallel model's merged round: the round's samples, steps and progressive loss, the
 * global model's smoothed loss and norm, the samples rejected so far, and a {@code merged_round} event with samples
 * and consumer lag per worker, the longest wait for a merge, the round period and accuracy. Keeps the wall-clock
 * figures (previous report time, for samples_per_second) and the consumer lag per worker ({@link WorkerLags}):
 * operator memory, never state.
 */
final class RoundReports {
  private final int workers;
  private final WorkerLags lags;
  private final Map<String, Long> lastReportNanos = new HashMap<>();

  RoundReports(int workers) {
    this.workers = workers;
    this.lags = new WorkerLags(workers);
  }

  WorkerLags lags() {
    return lags;
  }

  TrainingMetrics report(TrainerState st, long round, RoundStats s, boolean last) {
    double smoothed = st.smoothedLoss();
    long now = System.nanoTime();
    Long before = lastReportNanos.get(st.modelId);
    // At the last round every worker has read its input to the end: no backlog, whatever the last figure said.
    long[] lag = last ? new long[workers] : lags.byWorker(st.modelId);
    long lagTotal = WorkerLags.total(lag);
    String msg = "round " + round + ": " + s.samples() + " samples, "
        + s.steps() + " steps; samples per worker " + Arrays.toString(s.workerSamples())
        + "; consumer lag per worker " + WorkerLags.text(lag)
        + "; longest wait for a merge " + s.waitMs() + " ms; round period "
        + (before == null ? "n/a" : (now - before) / 1_000_000 + " ms") + "; accuracy "
        + (s.scored() > 0 ? String.format(java.util.Locale.ROOT, "%.4f", (double) s.correct() / s.scored()) : "n/a");
    return TrainingMetrics.newBuilder()
        .setModelId(st.modelId)
        .setModelVersion(st.version)
        .setStep(st.step)
        .setEventTimeStart(Instant.ofEpochMilli(s.samples() > 0 ? s.minEventTime() : 0))
        .setEventTimeEnd(Instant.ofEpochMilli(s.samples() > 0 ? s.maxEventTime() : 0))
        .setSamplesSeen(st.samplesSeen)
        .setBatchesSeen(st.batches)
        .setSamplesInReport(s.samples())
        .setLossMean(s.meanLoss())
        .setLossSmoothed(smoothed)
        .setParamNorm(norm(st.params))
        .setSamplesPerSecond(samplesPerSecond(st.modelId, s.samples()))
        .setConsumerLag(lagTotal < 0 ? null : lagTotal)
        .setRejectedSamples(st.rejectedSamples)
        .setEvents(List.of(new TrainingEvent("merged_round", st.step, msg)))
        .build();
  }

  /** The round's samples over the wall time since the model's previous report (NaN for the first). */
  private double samplesPerSecond(String modelId, long samples) {
    long now = System.nanoTime();
    Long before = lastReportNanos.put(modelId, now);
    return before == null || now == before ? Double.NaN : samples * 1e9 / (now - before);
  }

  private static double norm(double[] p) {
    double s = 0;
    for (double d : p) {
      s += d * d;
    }
    return Math.sqrt(s);
  }
}
