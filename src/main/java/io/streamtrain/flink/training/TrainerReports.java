package io.streamtrain.flink.training;

import io.streamtrain.avro.DiagnosticValue;
import io.streamtrain.avro.Diagnostics;
import io.streamtrain.avro.TrainingEvent;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.diag.Classification;
import io.streamtrain.core.train.TrainerState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.MetricGroup;

/**
 * What the trainer tells operators, per model: its gauges ({@link ModelGauges}), its {@link TrainingMetrics}
 * reports (the interval's figures, events, diagnostics, the consumer lag its batches brought, the wall-clock
 * throughput since its previous report). Operator memory only: nothing here is training state or decides a step.
 */
final class TrainerReports {
  private final ModelGauges gauges;
  private final int metricsEveryBatches;
  private final Map<String, Long> lastReportNanos = new HashMap<>();
  /** Latest consumer lag per model id (a one-element array, so updating it per batch does not box). */
  private final Map<String, long[]> lagByModel = new HashMap<>();

  TrainerReports(MetricGroup operatorGroup, int metricsEveryBatches) {
    this.gauges = new ModelGauges(operatorGroup);
    this.metricsEveryBatches = metricsEveryBatches;
  }

  /** A step's figures into the model's gauges (the diagnostics map once per report interval). */
  void record(TrainerState s) {
    ModelGauges.Figures last = gauges.of(s.modelId);
    // The figures of the last applied step, as the model's reports give them (a skipped batch changes none).
    last.loss = s.lastLoss;
    last.smoothedLoss = s.smoothedLoss();
    last.gradNorm = s.lastGradNorm;
    last.lr = Double.isNaN(s.lastLr) ? s.optimizer.lr() : s.lastLr;
    last.updateRatio = s.lastUpdateRatio;
    last.steps = s.step;
    last.version = s.version;
    last.samples = s.samplesSeen;
    last.skipped = s.skippedBatches;
    last.rejected = s.rejectedSamples;
    last.rollbacks = s.guard.rollbacks;
    last.lrScale = s.guard.lrScale;
    if (s.diag.batches > 0) {
      last.trainingState = s.diag.lastState.name();
      last.trainingStateCode = s.diag.lastState.ordinal();
      if (s.diag.batches % metricsEveryBatches == 0) {
        // The figures map is built per report interval, not per batch, to keep the step allocation-free.
        last.diag = s.diag.figures();
      }
    }
  }

  /**
   * The model's report of its interval, carrying {@code events} (the caller clears them), and resets the
   * interval.
   */
  TrainingMetrics report(TrainerState s, List<TrainingEvent> events) {
    long n = s.interval.batches - s.interval.skipped;
    TrainingMetrics m = TrainingMetrics.newBuilder()
        .setModelId(s.modelId)
        .setModelVersion(s.version)
        .setStep(s.step)
        .setEventTimeStart(Instant.ofEpochMilli(s.interval.eventMin == Long.MAX_VALUE ? 0 : s.interval.eventMin))
        .setEventTimeEnd(Instant.ofEpochMilli(s.interval.eventMax == Long.MIN_VALUE ? 0 : s.interval.eventMax))
        .setSamplesSeen(s.samplesSeen)
        .setBatchesSeen(s.batches)
        .setSamplesInReport(s.interval.samples)
        .setLossBatch(s.lastLoss)
        .setLossMean(n > 0 ? s.interval.lossSum / n : Double.NaN)
        .setLossSmoothed(s.smoothedLoss())
        .setGradNorm(s.lastGradNorm)
        .setGradNormClipped(s.lastGradNormClipped)
        .setClipFraction(n > 0 ? (double) s.interval.clipped / n : 0.0)
        .setLearningRate(Double.isNaN(s.lastLr) ? s.optimizer.lr() : s.lastLr)
        .setUpdateParamRatio(s.lastUpdateRatio)
        .setParamNorm(s.lastParamNorm)
        .setSamplesPerSecond(throughput(s))
        .setConsumerLag(lagOf(s.modelId))
        .setRejectedSamples(s.rejectedSamples)
        .setSkippedBatches(s.skippedBatches)
        .setEvents(events)
        .setDiagnostics(diagnostics(s, s.diag.batches > 0))
        .build();
    s.interval.reset();
    return m;
  }

  /** The latest consumer lag of a model's batches (kept in memory, never in state). */
  void noteLag(String modelId, long lag) {
    long[] l = lagByModel.get(modelId);
    if (l == null) {
      l = new long[1];
      lagByModel.put(modelId, l);
    }
    l[0] = lag;
    gauges.of(modelId).consumerLag = lag;
  }

  /** The drift watch's figures into the model's gauges (after each step of a model with a drift section). */
  void noteDrift(String modelId, io.streamtrain.core.drift.DriftMonitor m) {
    ModelGauges.Figures f = gauges.of(modelId);
    f.driftWarnings = m.warnings;
    f.driftDetections = m.detections;
    f.driftInWarning = m.inWarning ? 1 : 0;
  }

  /**
   * The input has ended: every record up to the bounded source's end offsets was read, so a model's last lag
   * marker, measured before the final records arrived, would report a backlog that no longer exists.
   */
  void inputEnded(String modelId) {
    if (lagOf(modelId) != null) {
      noteLag(modelId, 0);
    }
  }

  /** The latest consumer lag of the model's batches, or null when none carried one (no Kafka source). */
  Long lagOf(String modelId) {
    long[] l = lagByModel.get(modelId);
    return l == null ? null : l[0];
  }

  /**
   * Samples per second of wall-clock time since this subtask's previous report of the model (NaN for the first
   * report after a start or restore). Operational only: it is the one figure that depends on the wall clock.
   */
  private double throughput(TrainerState s) {
    long now = System.nanoTime();
    Long prev = lastReportNanos.put(s.modelId, now);
    if (prev == null || now <= prev) {
      return Double.NaN;
    }
    return s.interval.samples / ((now - prev) / 1e9);
  }

  /**
   * Figures beyond the fixed fields: progressive accuracy, then (diagnostics on) the interval's training state
   * (the one most of its batches showed) with its evidence, the most severe state with its evidence, and the
   * named diagnostics figures in their fixed order (figures not computed yet, NaN, are left out). Resets the
   * diagnostics interval.
   */
  private static Diagnostics diagnostics(TrainerState s, boolean diagOn) {
    List<DiagnosticValue> values = new ArrayList<>();
    if (s.interval.scored > 0) {
      values.add(new DiagnosticValue("progressive_accuracy", (double) s.interval.correct / s.interval.scored));
    }
    if (s.guard.rollbacks > 0) {
      values.add(new DiagnosticValue("loss_spike_rollbacks", (double) s.guard.rollbacks));
      values.add(new DiagnosticValue("lr_scale", s.guard.lrScale));
    }
    if (!diagOn) {
      return values.isEmpty() ? null : new Diagnostics(null, null, values, null, null);
    }
    for (Map.Entry<String, Double> e : s.diag.figures().entrySet()) {
      if (!Double.isNaN(e.getValue())) {
        values.add(new DiagnosticValue(e.getKey(), e.getValue()));
      }
    }
    Classification c = s.diag.intervalClassification();
    Classification worst = s.diag.intervalWorst();
    s.diag.resetInterval();
    return new Diagnostics(c.state().name(), c.evidence(), values, worst.state().name(), worst.evidence());
  }
}
