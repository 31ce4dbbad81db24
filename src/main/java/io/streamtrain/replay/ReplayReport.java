package io.streamtrain.replay;

import io.streamtrain.avro.EvaluationMetric;
import io.streamtrain.avro.EvaluationResult;
import io.streamtrain.flink.replay.EvaluationRecords;
import io.streamtrain.core.metric.ConfusionMatrix;
import io.streamtrain.flink.replay.ReplayPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a replay's evaluation points into what people read: a ranking of the configurations by one metric (each
 * configuration's final cumulative value, averaged over its model ids weighted by samples scored), a JSON report
 * (ranking, final figures, every curve point), PNG charts of each metric against samples seen with one line per
 * configuration (and model id when there are several), and a terminal table. Loss-like metrics (log loss, MSE,
 * RMSE, MAE) rank ascending, the others (accuracy, AUC, precision, recall, macro-F1, balanced accuracy)
 * descending; ties keep spec order. With a test split the default ranking metric is the test part's loss. The
 * trivial baseline ({@link ReplayPlan#BASELINE}) is not ranked; it is reported beside the ranking, with the
 * configurations that beat it. Classifiers get per-class precision, recall, F1 and support and the confusion matrix
 * (of the test part when there is one) from the final points' {@code confusion.i.j} counts, summed over model ids.
 * This class computes the figures; {@link ReportTable}, {@link ReportJson} and {@link ReportCharts} render them.
 */
public final class ReplayReport {
  /** One configuration's place in the ranking. */
  public record Rank(int rank, String config, double value, long samples, long steps, double samplesPerSecond,
      Map<String, Double> finals) {}

  private final ReplaySpec spec;
  private final ReplayOutcome outcome;
  private final String rankBy;
  private final List<Rank> ranking;
  private final List<String> metricNames;
  private final Rank baseline;
  private Map<Integer, String> classNames;

  public ReplayReport(ReplaySpec spec, ReplayOutcome outcome) {
    this.spec = spec;
    this.outcome = outcome;
    List<EvaluationResult> finals = finals(outcome.results());
    metricNames = new ArrayList<>();
    if (!finals.isEmpty()) {
      for (EvaluationMetric m : finals.get(0).getMetrics()) {
        if (!List.of("steps", "rejected", "final").contains(m.getName()) && !m.getName().startsWith("confusion.")) {
          metricNames.add(m.getName());
        }
      }
    }
    String dflt = (metricNames.contains("test_log_loss") || metricNames.contains("test_mse") ? "test_" : "")
        + (metricNames.contains("mse") ? "mse" : "log_loss");
    rankBy = spec.rankBy() != null ? spec.rankBy() : dflt;
    if (!finals.isEmpty() && !metricNames.contains(rankBy)) {
      throw new io.streamtrain.core.SpecException("rank_by", rankBy, "allowed: one of " + metricNames);
    }
    List<Rank> all = rank(finals);
    Rank base = null;
    List<Rank> configs = new ArrayList<>();
    for (Rank r : all) {
      if (r.config().equals(ReplayPlan.BASELINE)) {
        base = r;
      } else {
        configs.add(new Rank(configs.size() + 1, r.config(), r.value(), r.samples(), r.steps(), r.samplesPerSecond(),
            r.finals()));
      }
    }
    ranking = configs;
    baseline = base;
  }

  /** The trivial baseline's figures (rank 0), or null when the replay ran none. */
  public Rank baseline() {
    return baseline;
  }

  /** Whether {@code r} is strictly better than the baseline on the ranking metric (false without a baseline). */
  public boolean beatsBaseline(Rank r) {
    if (baseline == null || Double.isNaN(r.value()) || Double.isNaN(baseline.value())) {
      return false;
    }
    return higherIsBetter(rankBy) ? r.value() > baseline.value() : r.value() < baseline.value();
  }

  /**
   * The confusion matrix of {@code config} (true class by predicted), summed over its model ids' final points, or
   * null for regression or when the points carry none.
   */
  public ConfusionMatrix confusion(String config) {
    long[] sum = null;
    int k = 0;
    for (EvaluationResult r : finals(outcome.results())) {
      if (!r.getConfigName().equals(config)) {
        continue;
      }
      int cells = 0;
      for (EvaluationMetric m : r.getMetrics()) {
        if (m.getName().startsWith("confusion.")) {
          cells++;
        }
      }
      if (cells == 0) {
        continue;
      }
      int kk = (int) Math.round(Math.sqrt(cells));
      if (sum == null || kk > k) {
        long[] grown = new long[kk * kk];
        for (int i = 0; sum != null && i < k; i++) {
          System.arraycopy(sum, i * k, grown, i * kk, k);
        }
        sum = grown;
        k = kk;
      }
      for (EvaluationMetric m : r.getMetrics()) {
        if (m.getName().startsWith("confusion.")) {
          String[] ij = m.getName().split("\\.");
          sum[Integer.parseInt(ij[1]) * k + Integer.parseInt(ij[2])] += Math.round(m.getValue());
        }
      }
    }
    return sum == null ? null : ConfusionMatrix.of(k, sum);
  }

  /** What the confusion matrices count: the test rows with a split, else every prediction scored. */
  public String confusionOf() {
    if (metricNames.stream().anyMatch(m -> m.startsWith("test_"))) {
      return "test rows";
    }
    return spec.holdoutMode() ? "holdout predictions" : "prequential predictions";
  }

  /** The label word of class {@code c} when the file source maps words, else "". */
  String className(int c) {
    if (classNames == null) {
      ReplaySpec.FileRun run = spec.source().run();
      classNames = run == null ? Map.of() : run.classNames();
    }
    return classNames.getOrDefault(c, "");
  }

  /** The last point of each (configuration, model id), in the order configurations were specified. */
  static List<EvaluationResult> finals(List<EvaluationResult> all) {
    Map<String, EvaluationResult> last = new TreeMap<>();
    for (EvaluationResult r : all) {
      String k = r.getConfigName() + "\u0000" + r.getModelId();
      EvaluationResult prev = last.get(k);
      if (prev == null || r.getSamples() > prev.getSamples()
          || (r.getSamples() == prev.getSamples() && EvaluationRecords.isFinal(r))) {
        last.put(k, r);
      }
    }
    return new ArrayList<>(last.values());
  }

  static boolean higherIsBetter(String metric) {
    String base = metric.replaceFirst("^(window|fading)_", "");
    base = base.replaceFirst("^test_", "");
    return List.of("accuracy", "auc", "precision", "recall", "macro_f1", "balanced_accuracy").contains(base);
  }

  private List<Rank> rank(List<EvaluationResult> finals) {
    List<String> order = new ArrayList<>();
    for (EvaluationResult r : outcome.results()) {
      if (!order.contains(r.getConfigName())) {
        order.add(r.getConfigName());
      }
    }
    if (!spec.holdoutMode()) {
      List<String> specOrder = new ArrayList<>();
      spec.configs().forEach(c -> specOrder.add(c.name()));
      specOrder.add(ReplayPlan.BASELINE);
      order.sort(Comparator.comparingInt(specOrder::indexOf));
    }
    double seconds = outcome.elapsedNanos() / 1e9;
    List<Rank> rows = new ArrayList<>();
    for (String config : order) {
      long samples = 0;
      long steps = 0;
      Map<String, Double> sums = new LinkedHashMap<>();
      Map<String, Long> counts = new LinkedHashMap<>();
      for (EvaluationResult r : finals) {
        if (!r.getConfigName().equals(config)) {
          continue;
        }
        samples += r.getSamples();
        steps += (long) EvaluationRecords.metric(r, "steps");
        for (String m : metricNames) {
          double v = EvaluationRecords.metric(r, m);
          if (Double.isFinite(v)) {
            sums.merge(m, v * r.getSamples(), Double::sum);
            counts.merge(m, r.getSamples(), Long::sum);
          }
        }
      }
      Map<String, Double> means = new LinkedHashMap<>();
      for (String m : metricNames) {
        Long c = counts.get(m);
        means.put(m, c == null || c == 0 ? Double.NaN : sums.get(m) / c);
      }
      rows.add(new Rank(0, config, means.getOrDefault(rankBy, Double.NaN), samples, steps,
          seconds > 0 ? samples / seconds : Double.NaN, means));
    }
    boolean desc = higherIsBetter(rankBy);
    List<Rank> sorted = new ArrayList<>(rows);
    // NaN (no figure) ranks last; List.sort is stable, so ties keep the spec's order.
    sorted.sort((a, b) -> {
      boolean an = Double.isNaN(a.value());
      boolean bn = Double.isNaN(b.value());
      if (an || bn) {
        return Boolean.compare(an, bn);
      }
      return desc ? Double.compare(b.value(), a.value()) : Double.compare(a.value(), b.value());
    });
    List<Rank> out = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i++) {
      Rank r = sorted.get(i);
      out.add(new Rank(i + 1, r.config(), r.value(), r.samples(), r.steps(), r.samplesPerSecond(), r.finals()));
    }
    return out;
  }

  public String rankBy() {
    return rankBy;
  }

  public List<Rank> ranking() {
    return ranking;
  }

  public List<String> metricNames() {
    return metricNames;
  }

  /** What the baseline predicts, in words. */
  String baselineKind() {
    return metricNames.contains("mse") ? "the mean of the labels seen so far"
        : "the class frequencies seen so far (majority class)";
  }

  ReplaySpec spec() {
    return spec;
  }

  ReplayOutcome outcome() {
    return outcome;
  }

  /** The ranked configurations, then the baseline when there is one. */
  List<Rank> rankingAndBaseline() {
    List<Rank> rows = new ArrayList<>(ranking);
    if (baseline != null) {
      rows.add(baseline);
    }
    return rows;
  }

  /**
   * The ranking as a fixed-width table for the terminal, the baseline below it with the configurations that beat
   * it, and for a classifier the per-class figures and confusion matrix of the best configuration.
   */
  public String table() {
    return ReportTable.of(this);
  }

  /** Writes the JSON report (non-finite numbers as null). */
  public void writeJson(Path file) throws IOException {
    ReportJson.write(this, file);
  }

  /**
   * One PNG per cumulative and window metric ({@code <metric>.png} in {@code dir}): the metric against samples
   * seen, one line per configuration (per configuration and model id when a run has several ids). Returns the
   * files written.
   */
  public List<Path> writeCharts(Path dir) throws IOException {
    return ReportCharts.write(this, dir);
  }
}
