package io.streamtrain.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.streamtrain.avro.EvaluationMetric;
import io.streamtrain.avro.EvaluationResult;
import io.streamtrain.flink.replay.EvaluationRecords;
import io.streamtrain.core.metric.ConfusionMatrix;
import io.streamtrain.flink.replay.FinalModel;
import io.streamtrain.flink.replay.ReplayPlan;
import io.streamtrain.local.LossChart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
  private String className(int c) {
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

  /** Figures shown beside the ranking metric: the classifier's or regressor's headline figures. */
  private List<String> shownColumns() {
    String prefix = rankBy.startsWith("test_") ? "test_" : "";
    List<String> cols = new ArrayList<>();
    for (String m : List.of("log_loss", "mse", "accuracy", "macro_f1", "balanced_accuracy", "rmse", "mae")) {
      String name = prefix + m;
      if (!name.equals(rankBy) && metricNames.contains(name) && cols.size() < 4) {
        cols.add(name);
      }
    }
    return cols;
  }

  /**
   * The ranking as a fixed-width table for the terminal, the baseline below it with the configurations that beat
   * it, and for a classifier the per-class figures and confusion matrix of the best configuration.
   */
  public String table() {
    StringBuilder sb = new StringBuilder();
    List<String> cols = shownColumns();
    sb.append(String.format(Locale.ROOT, "%-4s %-24s %14s", "rank", "config", rankBy));
    cols.forEach(c -> sb.append(String.format(Locale.ROOT, " %" + Math.max(12, c.length()) + "s", c)));
    sb.append(String.format(Locale.ROOT, " %12s %10s %14s%n", "samples", "steps", "samples/s"));
    List<Rank> rows = new ArrayList<>(ranking);
    if (baseline != null) {
      rows.add(baseline);
    }
    for (Rank r : rows) {
      sb.append(String.format(Locale.ROOT, "%-4s %-24s %14.6f", r == baseline ? "-" : String.valueOf(r.rank()),
          r.config(), r.value()));
      cols.forEach(c -> sb.append(String.format(Locale.ROOT, " %" + Math.max(12, c.length()) + ".6f",
          r.finals().getOrDefault(c, Double.NaN))));
      sb.append(String.format(Locale.ROOT, " %12d %10d %14.0f%n", r.samples(), r.steps(), r.samplesPerSecond()));
    }
    if (baseline != null) {
      List<String> beat = ranking.stream().filter(this::beatsBaseline).map(Rank::config).toList();
      sb.append(String.format(Locale.ROOT, "baseline: %s on %s; %d of %d configurations beat it%s%n",
          baselineKind(), rankBy, beat.size(), ranking.size(), beat.isEmpty() ? "" : " (" + String.join(", ", beat)
              + ")"));
    }
    if (!ranking.isEmpty()) {
      ConfusionMatrix cm = confusion(ranking.get(0).config());
      if (cm != null) {
        sb.append(String.format(Locale.ROOT, "per class (%s, %s):%n", ranking.get(0).config(), confusionOf()));
        sb.append(String.format(Locale.ROOT, "  %-18s %10s %10s %10s %10s%n", "class", "precision", "recall", "f1",
            "support"));
        for (int c = 0; c < cm.classes(); c++) {
          String label = className(c).isEmpty() ? Integer.toString(c) : c + " " + className(c);
          sb.append(String.format(Locale.ROOT, "  %-18s %10.4f %10.4f %10.4f %10d%n",
              label.length() > 18 ? label.substring(0, 18) : label, cm.precision(c), cm.recall(c), cm.f1(c),
              cm.support(c)));
        }
        sb.append(String.format(Locale.ROOT, "  macro-F1 %.4f, balanced accuracy %.4f; confusion (rows true, columns"
            + " predicted):%n", cm.macroF1(), cm.balancedAccuracy()));
        for (int i = 0; i < cm.classes(); i++) {
          sb.append("   ");
          for (int j = 0; j < cm.classes(); j++) {
            sb.append(String.format(Locale.ROOT, " %7d", cm.count(i, j)));
          }
          sb.append('\n');
        }
      }
    }
    return sb.toString();
  }

  private String baselineKind() {
    return metricNames.contains("mse") ? "the mean of the labels seen so far"
        : "the class frequencies seen so far (majority class)";
  }

  /** Writes the JSON report (non-finite numbers as null). */
  public void writeJson(Path file) throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("name", spec.name());
    root.put("mode", spec.mode());
    root.put("source", spec.source().topic() != null ? spec.source().topic() : spec.source().file().toString());
    root.put("rank_by", rankBy);
    root.put("elapsed_seconds", outcome.elapsedNanos() / 1e9);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Rank r : ranking) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rank", r.rank());
      m.put("config", r.config());
      m.put(rankBy, num(r.value()));
      m.put("samples", r.samples());
      m.put("steps", r.steps());
      m.put("samples_per_second", num(r.samplesPerSecond()));
      Map<String, Object> f = new LinkedHashMap<>();
      r.finals().forEach((k, v) -> f.put(k, num(v)));
      m.put("final", f);
      rows.add(m);
    }
    root.put("ranking", rows);
    if (baseline != null) {
      Map<String, Object> b = new LinkedHashMap<>();
      b.put("config", baseline.config());
      b.put("predicts", baselineKind());
      b.put(rankBy, num(baseline.value()));
      b.put("samples", baseline.samples());
      Map<String, Object> f = new LinkedHashMap<>();
      baseline.finals().forEach((k, v) -> f.put(k, num(v)));
      b.put("final", f);
      b.put("beaten_by", ranking.stream().filter(this::beatsBaseline).map(Rank::config).toList());
      root.put("baseline", b);
    }
    Map<String, Object> classes = new LinkedHashMap<>();
    List<Rank> withBase = new ArrayList<>(ranking);
    if (baseline != null) {
      withBase.add(baseline);
    }
    for (Rank r : withBase) {
      ConfusionMatrix cm = confusion(r.config());
      if (cm == null) {
        continue;
      }
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("of", confusionOf());
      List<Map<String, Object>> per = new ArrayList<>();
      List<List<Long>> matrix = new ArrayList<>();
      for (int i = 0; i < cm.classes(); i++) {
        Map<String, Object> pc = new LinkedHashMap<>();
        pc.put("class", i);
        if (!className(i).isEmpty()) {
          pc.put("label", className(i));
        }
        pc.put("precision", num(cm.precision(i)));
        pc.put("recall", num(cm.recall(i)));
        pc.put("f1", num(cm.f1(i)));
        pc.put("support", cm.support(i));
        per.add(pc);
        List<Long> row = new ArrayList<>();
        for (int j = 0; j < cm.classes(); j++) {
          row.add(cm.count(i, j));
        }
        matrix.add(row);
      }
      c.put("per_class", per);
      c.put("macro_f1", num(cm.macroF1()));
      c.put("balanced_accuracy", num(cm.balancedAccuracy()));
      c.put("confusion_matrix", matrix);
      classes.put(r.config(), c);
    }
    if (!classes.isEmpty()) {
      root.put("classes", classes);
    }
    List<Map<String, Object>> models = new ArrayList<>();
    for (FinalModel fm : outcome.finals()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("config", fm.config);
      m.put("model_id", fm.modelId);
      m.put("steps", fm.steps);
      m.put("samples_trained", fm.samplesTrained);
      m.put("rejected", fm.rejected);
      m.put("parameter_checksum", io.streamtrain.io.ParameterChecksum.of(fm.params));
      models.add(m);
    }
    root.put("models", models);
    Map<String, Map<String, List<Map<String, Object>>>> curves = new LinkedHashMap<>();
    for (EvaluationResult r : outcome.results()) {
      Map<String, Object> point = new LinkedHashMap<>();
      point.put("samples", r.getSamples());
      point.put("event_time_end", r.getEventTimeEnd().toEpochMilli());
      for (EvaluationMetric m : r.getMetrics()) {
        point.put(m.getName(), num(m.getValue()));
      }
      curves.computeIfAbsent(r.getConfigName(), k -> new TreeMap<>())
          .computeIfAbsent(r.getModelId(), k -> new ArrayList<>()).add(point);
    }
    curves.values().forEach(byModel -> byModel.values().forEach(
        l -> l.sort(Comparator.comparingLong(p -> (Long) p.get("samples")))));
    root.put("curves", curves);
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
  }

  private static Object num(double v) {
    return Double.isFinite(v) ? v : null;
  }

  /**
   * One PNG per cumulative and window metric ({@code <metric>.png} in {@code dir}): the metric against samples
   * seen, one line per configuration (per configuration and model id when a run has several ids). Returns the
   * files written.
   */
  public List<Path> writeCharts(Path dir) throws IOException {
    boolean manyIds = outcome.results().stream().map(EvaluationResult::getModelId).distinct().count() > 1;
    List<Path> written = new ArrayList<>();
    for (String metric : metricNames) {
      if (metric.startsWith("fading_") || metric.startsWith("test_")) {
        continue; // test figures exist only at the end: the JSON report and the table hold them
      }
      Map<String, List<double[]>> series = new LinkedHashMap<>();
      List<Rank> lines = new ArrayList<>(ranking);
      if (baseline != null) {
        lines.add(baseline);
      }
      for (Rank r : lines) {
        for (EvaluationResult e : outcome.results()) {
          if (!e.getConfigName().equals(r.config())) {
            continue;
          }
          String label = manyIds ? r.config() + " / " + e.getModelId() : r.config();
          series.computeIfAbsent(label, k -> new ArrayList<>())
              .add(new double[] {e.getSamples(), EvaluationRecords.metric(e, metric)});
        }
      }
      series.values().forEach(l -> l.sort(Comparator.comparingDouble(p -> p[0])));
      Path png = dir.resolve(metric + ".png");
      LossChart.write(png, spec.name() + ": " + metric + " (" + spec.mode() + ")", metric, series, false);
      written.add(png);
    }
    return written;
  }
}
