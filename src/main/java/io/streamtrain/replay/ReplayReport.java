package io.streamtrain.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.streamtrain.avro.EvaluationMetric;
import io.streamtrain.avro.EvaluationResult;
import io.streamtrain.flink.replay.EvaluationRecords;
import io.streamtrain.flink.replay.FinalModel;
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
 * RMSE, MAE) rank ascending, the others (accuracy, AUC, precision, recall) descending; ties keep spec order.
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

  public ReplayReport(ReplaySpec spec, ReplayOutcome outcome) {
    this.spec = spec;
    this.outcome = outcome;
    List<EvaluationResult> finals = finals(outcome.results());
    metricNames = new ArrayList<>();
    if (!finals.isEmpty()) {
      for (EvaluationMetric m : finals.get(0).getMetrics()) {
        if (!List.of("steps", "rejected", "final").contains(m.getName())) {
          metricNames.add(m.getName());
        }
      }
    }
    String dflt = metricNames.contains("mse") ? "mse" : "log_loss";
    rankBy = spec.rankBy() != null ? spec.rankBy() : dflt;
    if (!finals.isEmpty() && !metricNames.contains(rankBy)) {
      throw new io.streamtrain.core.SpecException("rank_by", rankBy, "allowed: one of " + metricNames);
    }
    ranking = rank(finals);
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
    return List.of("accuracy", "auc", "precision", "recall").contains(base);
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

  /** The ranking as a fixed-width table for the terminal. */
  public String table() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-4s %-24s %14s %12s %10s %14s%n", "rank", "config", rankBy, "samples",
        "steps", "samples/s"));
    for (Rank r : ranking) {
      sb.append(String.format(Locale.ROOT, "%-4d %-24s %14.6f %12d %10d %14.0f%n", r.rank(), r.config(), r.value(),
          r.samples(), r.steps(), r.samplesPerSecond()));
    }
    return sb.toString();
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
      if (metric.startsWith("fading_")) {
        continue;
      }
      Map<String, List<double[]>> series = new LinkedHashMap<>();
      for (Rank r : ranking) {
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
