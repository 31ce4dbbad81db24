package io.streamtrain.flink.replay;

import io.streamtrain.avro.EvaluationMetric;
import io.streamtrain.avro.EvaluationResult;
import io.streamtrain.core.eval.EvalPoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts a core {@link EvalPoint} into the wire {@link EvaluationResult}: figures cumulative from the start of
 * the replay ({@code cumulative = true}); mean_loss is the task's loss (log loss, or the mean squared error for
 * regression); the metrics list carries every figure in the evaluation's order (cumulative, {@code window_*},
 * {@code fading_*}), then {@code steps} (optimizer steps so far), {@code rejected} (samples that did not fit the
 * model) and {@code final} (1 on the last point of a configuration and model id, else 0).
 */
public final class EvaluationRecords {
  private EvaluationRecords() {}

  public static EvaluationResult of(EvalPoint p, String evaluationId, String sourceTopic, Long version) {
    List<EvaluationMetric> metrics = new ArrayList<>(p.names().length + 3);
    for (int i = 0; i < p.names().length; i++) {
      metrics.add(new EvaluationMetric(p.names()[i], p.values()[i]));
    }
    metrics.add(new EvaluationMetric("steps", (double) p.steps()));
    metrics.add(new EvaluationMetric("rejected", (double) p.rejected()));
    metrics.add(new EvaluationMetric("final", p.last() ? 1.0 : 0.0));
    double acc = p.value("accuracy");
    return EvaluationResult.newBuilder()
        .setEvaluationId(evaluationId)
        .setConfigName(p.config())
        .setModelId(p.modelId())
        .setMode(p.mode())
        .setModelVersion(version)
        .setSourceTopic(sourceTopic == null ? "" : sourceTopic)
        .setEventTimeStart(Instant.ofEpochMilli(p.eventTimeStart()))
        .setEventTimeEnd(Instant.ofEpochMilli(p.eventTimeEnd()))
        .setSamples(p.samples())
        .setCumulative(true)
        .setMeanLoss(p.values()[0])
        .setAccuracy(Double.isNaN(acc) ? null : acc)
        .setMetrics(metrics)
        .build();
  }

  /** The named figure of a result, or NaN. */
  public static double metric(EvaluationResult r, String name) {
    for (EvaluationMetric m : r.getMetrics()) {
      if (m.getName().equals(name)) {
        return m.getValue();
      }
    }
    return Double.NaN;
  }

  public static boolean isFinal(EvaluationResult r) {
    return metric(r, "final") == 1.0;
  }
}
