package io.streamtrain.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.streamtrain.avro.EvaluationMetric;
import io.streamtrain.avro.EvaluationResult;
import io.streamtrain.core.metric.ConfusionMatrix;
import io.streamtrain.flink.replay.FinalModel;
import io.streamtrain.io.ParameterChecksum;
import io.streamtrain.replay.ReplayReport.Rank;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link ReplayReport} as JSON: the run, the ranking with each configuration's final figures, the baseline and
 * who beat it, per-class figures and confusion matrices of classifiers, each final model's counters and parameter
 * checksum, and every curve point by configuration and model id. Non-finite numbers are written as null.
 */
final class ReportJson {
  private ReportJson() {}

  static void write(ReplayReport report, Path file) throws IOException {
    ReplaySpec spec = report.spec();
    ReplayOutcome outcome = report.outcome();
    String rankBy = report.rankBy();
    Rank baseline = report.baseline();
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("name", spec.name());
    root.put("mode", spec.mode());
    root.put("source", spec.source().topic() != null ? spec.source().topic() : spec.source().file().toString());
    root.put("rank_by", rankBy);
    root.put("elapsed_seconds", outcome.elapsedNanos() / 1e9);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Rank r : report.ranking()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rank", r.rank());
      m.put("config", r.config());
      m.put(rankBy, num(r.value()));
      m.put("samples", r.samples());
      m.put("steps", r.steps());
      m.put("samples_per_second", num(r.samplesPerSecond()));
      m.put("final", finals(r));
      rows.add(m);
    }
    root.put("ranking", rows);
    if (baseline != null) {
      Map<String, Object> b = new LinkedHashMap<>();
      b.put("config", baseline.config());
      b.put("predicts", report.baselineKind());
      b.put(rankBy, num(baseline.value()));
      b.put("samples", baseline.samples());
      b.put("final", finals(baseline));
      b.put("beaten_by", report.ranking().stream().filter(report::beatsBaseline).map(Rank::config).toList());
      root.put("baseline", b);
    }
    Map<String, Object> classes = new LinkedHashMap<>();
    for (Rank r : report.rankingAndBaseline()) {
      ConfusionMatrix cm = report.confusion(r.config());
      if (cm != null) {
        classes.put(r.config(), classes(report, cm));
      }
    }
    if (!classes.isEmpty()) {
      root.put("classes", classes);
    }
    root.put("models", models(outcome));
    root.put("curves", curves(outcome));
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
  }

  private static Map<String, Object> finals(Rank r) {
    Map<String, Object> f = new LinkedHashMap<>();
    r.finals().forEach((k, v) -> f.put(k, num(v)));
    return f;
  }

  private static Map<String, Object> classes(ReplayReport report, ConfusionMatrix cm) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("of", report.confusionOf());
    List<Map<String, Object>> per = new ArrayList<>();
    List<List<Long>> matrix = new ArrayList<>();
    for (int i = 0; i < cm.classes(); i++) {
      Map<String, Object> pc = new LinkedHashMap<>();
      pc.put("class", i);
      if (!report.className(i).isEmpty()) {
        pc.put("label", report.className(i));
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
    return c;
  }

  private static List<Map<String, Object>> models(ReplayOutcome outcome) {
    List<Map<String, Object>> models = new ArrayList<>();
    for (FinalModel fm : outcome.finals()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("config", fm.config);
      m.put("model_id", fm.modelId);
      m.put("steps", fm.steps);
      m.put("samples_trained", fm.samplesTrained);
      m.put("rejected", fm.rejected);
      m.put("parameter_checksum", ParameterChecksum.of(fm.params));
      models.add(m);
    }
    return models;
  }

  private static Map<String, Map<String, List<Map<String, Object>>>> curves(ReplayOutcome outcome) {
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
    return curves;
  }

  private static Object num(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
