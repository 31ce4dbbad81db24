package io.streamtrain.cli;

import io.streamtrain.avro.DiagnosticValue;
import io.streamtrain.avro.TrainingEvent;
import io.streamtrain.avro.TrainingMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The text of {@code streamtrain watch}: per model (sorted by id), the step, samples, training state and its
 * evidence, loss and gradient-norm sparklines over the last N reports (Unicode block characters, log-scaled when
 * the values span more than two decades), the learning rate, throughput, consumer lag, curvature figures, the
 * drift watch (stable, WARNING or DRIFT DETECTED, with counts) and the latest events. Pure: metrics go in with {@link #accept}, lines come out of {@link #render}; the command does
 * the I/O and the in-place refresh.
 */
public final class WatchView {
  static final char[] BLOCKS = {'▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'};

  private final int history;
  private final Map<String, ModelView> models = new TreeMap<>();

  public WatchView(int history) {
    if (history < 2) {
      throw new IllegalArgumentException("history must be >= 2, got " + history);
    }
    this.history = history;
  }

  /** Everything the view keeps of one model. */
  private static final class ModelView {
    TrainingMetrics latest;
    final double[] loss;
    final double[] grad;
    int count;
    final List<String> events = new ArrayList<>();
    /** "sparse" or "dense" from the model's training_path event; null before one was seen. */
    String path;
    /** The latest merged_round event's message of a data-parallel model; null for a single trainer. */
    String round;

    ModelView(int n) {
      loss = new double[n];
      grad = new double[n];
    }
  }

  public void accept(TrainingMetrics m) {
    ModelView v = models.computeIfAbsent(m.getModelId(), k -> new ModelView(history));
    if (v.latest != null && m.getStep() < v.latest.getStep()) {
      return; // an older report (e.g. replayed by another partition) never overwrites a newer one
    }
    v.latest = m;
    int n = v.loss.length;
    if (v.count == n) {
      System.arraycopy(v.loss, 1, v.loss, 0, n - 1);
      System.arraycopy(v.grad, 1, v.grad, 0, n - 1);
      v.count--;
    }
    v.loss[v.count] = Double.isNaN(m.getLossMean()) ? m.getLossBatch() : m.getLossMean();
    v.grad[v.count] = m.getGradNorm();
    v.count++;
    for (TrainingEvent e : m.getEvents()) {
      if (e.getType().equals("training_path")) {
        // Shown in the header, not as an event: every model reports its path once.
        v.path = e.getMessage().split(" ", 2)[0];
        continue;
      }
      if (e.getType().equals("merged_round")) {
        v.round = e.getMessage(); // one per report: shown on its own line, not as an event
        continue;
      }
      v.events.add(e.getType() + "@" + e.getStep());
      if (v.events.size() > 5) {
        v.events.remove(0);
      }
    }
  }

  public int modelCount() {
    return models.size();
  }

  /** A sparkline of {@code values[0..count)}: NaN blank, infinities '!', linear or log scale. */
  static String sparkline(double[] values, int count) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    boolean positive = true;
    for (int i = 0; i < count; i++) {
      double x = values[i];
      if (Double.isFinite(x)) {
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
        positive &= x > 0;
      }
    }
    boolean log = positive && lo > 0 && hi / lo > 100;
    StringBuilder b = new StringBuilder(count);
    for (int i = 0; i < count; i++) {
      double x = values[i];
      if (Double.isNaN(x)) {
        b.append(' ');
      } else if (Double.isInfinite(x)) {
        b.append('!');
      } else if (hi == lo) {
        b.append(BLOCKS[BLOCKS.length / 2 - 1]);
      } else {
        double t = log ? (Math.log(x) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : (x - lo) / (hi - lo);
        int k = (int) Math.round(t * (BLOCKS.length - 1));
        b.append(BLOCKS[Math.max(0, Math.min(BLOCKS.length - 1, k))]);
      }
    }
    return b.toString();
  }

  static String num(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "inf" : "-inf";
    }
    double a = Math.abs(v);
    if (a != 0 && (a < 1e-3 || a >= 1e5)) {
      return String.format(Locale.ROOT, "%.3e", v);
    }
    return String.format(Locale.ROOT, "%.4g", v);
  }

  static double value(TrainingMetrics m, String name) {
    if (m.getDiagnostics() == null) {
      return Double.NaN;
    }
    for (DiagnosticValue v : m.getDiagnostics().getValues()) {
      if (v.getName().equals(name)) {
        return v.getValue();
      }
    }
    return Double.NaN;
  }

  /** The view's lines (no terminal control characters). */
  public List<String> render() {
    List<String> out = new ArrayList<>();
    if (models.isEmpty()) {
      out.add("no training metrics yet");
      return out;
    }
    for (Map.Entry<String, ModelView> e : models.entrySet()) {
      ModelView v = e.getValue();
      TrainingMetrics m = v.latest;
      String state = m.getDiagnostics() == null || m.getDiagnostics().getTrainingState() == null
          ? "-" : m.getDiagnostics().getTrainingState();
      out.add(String.format(Locale.ROOT, "%s  step %d  samples %d  state %s%s", e.getKey(), m.getStep(),
          m.getSamplesSeen(), state, v.path == null ? "" : "  path " + v.path));
      if (v.round != null) {
        out.add("  " + v.round);
      }
      out.add(String.format(Locale.ROOT, "  loss   %-" + history + "s  %s", sparkline(v.loss, v.count),
          num(v.loss[v.count - 1])));
      out.add(String.format(Locale.ROOT, "  |grad| %-" + history + "s  %s", sparkline(v.grad, v.count),
          num(v.grad[v.count - 1])));
      out.add(String.format(Locale.ROOT, "  lr %s  samples/s %s  lag %s  clip %s  skipped %d  rejected %d",
          num(m.getLearningRate()), Double.isNaN(m.getSamplesPerSecond()) ? "-"
              : String.format(Locale.ROOT, "%.0f", m.getSamplesPerSecond()),
          m.getConsumerLag() == null ? "-" : m.getConsumerLag().toString(), num(m.getClipFraction()),
          m.getSkippedBatches(), m.getRejectedSamples()));
      if (m.getDiagnostics() != null && m.getDiagnostics().getEvidence() != null) {
        out.add("  evidence: " + m.getDiagnostics().getEvidence());
      }
      if (m.getDiagnostics() != null && m.getDiagnostics().getWorstState() != null
          && !m.getDiagnostics().getWorstState().equals(m.getDiagnostics().getTrainingState())) {
        out.add("  worst in report: " + m.getDiagnostics().getWorstState() + ": "
            + m.getDiagnostics().getWorstEvidence());
      }
      double lmax = value(m, "hessian_max_eigenvalue");
      if (!Double.isNaN(lmax)) {
        out.add(String.format(Locale.ROOT,
            "  curvature: lambda_max %s  lambda_min %s  condition %s  lr*lambda_max %s  (probe at step %s on %s"
                + " samples, probes %s of work)",
            num(lmax), num(value(m, "hessian_min_eigenvalue")), num(value(m, "condition_estimate")),
            num(value(m, "lr_lambda_max")), step(value(m, "probe_step")), step(value(m, "probe_samples")),
            percent(value(m, "probe_work_share"))));
      }
      double noise = value(m, "grad_noise_scale");
      double ratio = value(m, "layer_grad_ratio");
      if (!Double.isNaN(noise) || !Double.isNaN(ratio)) {
        out.add(String.format(Locale.ROOT, "  gradient: noise scale %s  first/last layer ratio %s  mean %s  std %s",
            num(noise), num(ratio), num(value(m, "grad_norm_mean")), num(value(m, "grad_norm_std"))));
      }
      double escapes = value(m, "saddle_escapes");
      if (escapes > 0) {
        out.add(String.format(Locale.ROOT, "  saddle escapes %s (perturbations %s), the last: batch loss %s -> %s",
            step(escapes), step(value(m, "saddle_perturbations")), num(value(m, "escape_loss_before")),
            num(value(m, "escape_loss_after"))));
      }
      if (m.getDrift() != null) {
        out.add("  " + drift(m.getDrift()));
      }
      if (!v.events.isEmpty()) {
        out.add("  events: " + String.join(", ", v.events));
      }
    }
    return out;
  }

  /** The drift watch's line: its state now, what this report saw, the totals and a running reaction. */
  static String drift(io.streamtrain.avro.DriftStatus d) {
    String now = d.getDriftDetected() ? "DRIFT DETECTED" : d.getDriftWarning() ? "WARNING" : "stable";
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "drift: %s  (%s on %s)  this report %d warning(s),"
        + " %d detection(s)  total %d / %d", now, d.getDetector(), d.getSignal(), d.getWarnings(), d.getDetections(),
        d.getWarningsTotal(), d.getDetectionsTotal()));
    if (d.getLastDetectionStep() != null) {
      b.append("  last at step ").append(d.getLastDetectionStep());
    }
    if (d.getLrBoost() != 1.0) {
      b.append("  lr boost x").append(num(d.getLrBoost()));
    }
    return b.toString();
  }

  private static String step(double v) {
    return Double.isNaN(v) ? "-" : Long.toString((long) v);
  }

  private static String percent(double share) {
    return Double.isNaN(share) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * share);
  }
}
