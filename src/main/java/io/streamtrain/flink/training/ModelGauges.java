package io.streamtrain.flink.training;

import io.streamtrain.core.diag.DiagState;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * The trainer's figures as Flink gauges, one set per model id: group {@code streamtrain}, then the key-value group
 * {@code model_id} (a label in Prometheus, a scope component elsewhere), so two models trained by one subtask never
 * overwrite each other's figures. A model's gauges are registered when its first report is made; at most
 * {@link #MAX_MODELS} models per subtask get their own (the rest share the group {@code model_id=_other}, so a job
 * with millions of tenant models cannot flood the metric system).
 */
final class ModelGauges {
  static final int MAX_MODELS = 1000;
  static final String OTHER = "_other";
  private final MetricGroup root;
  private final Map<String, Figures> byModel = new HashMap<>();

  /** The latest figures of one model (the same numbers as its last report on the metrics topic). */
  static final class Figures {
    volatile double loss = Double.NaN;
    volatile double smoothedLoss = Double.NaN;
    volatile double gradNorm = Double.NaN;
    volatile double lr = Double.NaN;
    volatile double updateRatio = Double.NaN;
    volatile long steps;
    volatile long samples;
    volatile long skipped;
    volatile long rejected;
    volatile long rollbacks;
    volatile double lrScale = 1.0;
    volatile long consumerLag = -1;
    volatile String trainingState = "UNKNOWN";
    volatile int trainingStateCode;
    volatile Map<String, Double> diag = Map.of();
    /** The drift watch's totals and whether it is in its warning zone (0 without a drift section). */
    volatile long driftWarnings;
    volatile long driftDetections;
    volatile int driftInWarning;
  }

  ModelGauges(MetricGroup operatorGroup) {
    this.root = operatorGroup.addGroup("streamtrain");
  }

  /** The figures of {@code modelId}, registering its gauges the first time. */
  Figures of(String modelId) {
    Figures f = byModel.get(modelId);
    if (f != null) {
      return f;
    }
    String id = byModel.size() < MAX_MODELS ? modelId : OTHER;
    return byModel.computeIfAbsent(id, k -> {
      Figures n = new Figures();
      register(root.addGroup("model_id", k), n);
      return n;
    });
  }

  private static void register(MetricGroup g, Figures last) {
    g.gauge("loss", (Gauge<Double>) () -> last.loss);
    g.gauge("lossSmoothed", (Gauge<Double>) () -> last.smoothedLoss);
    g.gauge("gradNorm", (Gauge<Double>) () -> last.gradNorm);
    g.gauge("learningRate", (Gauge<Double>) () -> last.lr);
    g.gauge("updateParamRatio", (Gauge<Double>) () -> last.updateRatio);
    g.gauge("steps", (Gauge<Long>) () -> last.steps);
    g.gauge("samplesTrained", (Gauge<Long>) () -> last.samples);
    g.gauge("skippedBatches", (Gauge<Long>) () -> last.skipped);
    g.gauge("rejectedSamples", (Gauge<Long>) () -> last.rejected);
    g.gauge("lossSpikeRollbacks", (Gauge<Long>) () -> last.rollbacks);
    g.gauge("learningRateScale", (Gauge<Double>) () -> last.lrScale);
    g.gauge("consumerLag", (Gauge<Long>) () -> last.consumerLag);
    g.gauge("trainingState", (Gauge<String>) () -> last.trainingState);
    g.gauge("trainingStateCode", (Gauge<Integer>) () -> last.trainingStateCode);
    g.gauge("driftWarnings", (Gauge<Long>) () -> last.driftWarnings);
    g.gauge("driftDetections", (Gauge<Long>) () -> last.driftDetections);
    g.gauge("driftInWarning", (Gauge<Integer>) () -> last.driftInWarning);
    for (String name : new DiagState().figures().keySet()) {
      g.gauge(camel(name), (Gauge<Double>) () -> last.diag.getOrDefault(name, Double.NaN));
    }
  }

  /** grad_norm_mean -> diagGradNormMean (Flink metric names in the usual camel case). */
  static String camel(String snake) {
    StringBuilder b = new StringBuilder("diag");
    for (String part : snake.split("_")) {
      if (!part.isEmpty()) {
        b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
      }
    }
    return b.toString();
  }
}
