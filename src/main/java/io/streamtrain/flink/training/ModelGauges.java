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
    volatile long version;
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
    g.gauge("loss_smoothed", (Gauge<Double>) () -> last.smoothedLoss);
    g.gauge("grad_norm", (Gauge<Double>) () -> last.gradNorm);
    g.gauge("learning_rate", (Gauge<Double>) () -> last.lr);
    g.gauge("update_param_ratio", (Gauge<Double>) () -> last.updateRatio);
    g.gauge("steps_total", (Gauge<Long>) () -> last.steps);
    g.gauge("model_version", (Gauge<Long>) () -> last.version);
    g.gauge("samples_trained_total", (Gauge<Long>) () -> last.samples);
    g.gauge("skipped_batches_total", (Gauge<Long>) () -> last.skipped);
    g.gauge("rejected_samples_total", (Gauge<Long>) () -> last.rejected);
    g.gauge("loss_spike_rollbacks_total", (Gauge<Long>) () -> last.rollbacks);
    g.gauge("learning_rate_scale", (Gauge<Double>) () -> last.lrScale);
    g.gauge("consumer_lag_records", (Gauge<Long>) () -> last.consumerLag);
    g.gauge("training_state", (Gauge<String>) () -> last.trainingState);
    g.gauge("training_state_code", (Gauge<Integer>) () -> last.trainingStateCode);
    g.gauge("drift_warnings_total", (Gauge<Long>) () -> last.driftWarnings);
    g.gauge("drift_detections_total", (Gauge<Long>) () -> last.driftDetections);
    g.gauge("drift_in_warning", (Gauge<Integer>) () -> last.driftInWarning);
    for (String name : new DiagState().figures().keySet()) {
      g.gauge("diag_" + name, (Gauge<Double>) () -> last.diag.getOrDefault(name, Double.NaN));
    }
  }
}
