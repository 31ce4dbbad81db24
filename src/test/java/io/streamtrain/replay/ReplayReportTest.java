package io.streamtrain.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.EvaluationResult;
import io.streamtrain.core.eval.EvalPoint;
import io.streamtrain.flink.replay.EvaluationRecords;
import io.streamtrain.flink.replay.FinalModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ranking direction per metric, sample-weighted means over model ids, NaN last, ties in spec order; outputs. */
class ReplayReportTest {
  @TempDir
  Path tmp;

  static ReplaySpec spec(String rankBy) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "r");
    m.put("source", Map.of("file", "datasets/breast_cancer.csv", "label", "target"));
    List<Object> configs = new ArrayList<>();
    for (String n : List.of("a", "b", "c", "d")) {
      configs.add(Map.of("name", n, "model", Map.of("type", "logistic", "features", Map.of("dense", 30)),
          "optimizer", Map.of("type", "sgd", "lr", 0.1)));
    }
    m.put("configs", configs);
    if (rankBy != null) {
      m.put("rank_by", rankBy);
    }
    return new ReplaySpec(m, Path.of("."));
  }

  static EvaluationResult point(String config, String model, long samples, double logLoss, double auc, boolean last) {
    EvalPoint p = new EvalPoint(config, model, "prequential", samples, samples / 10, 0, 0, samples,
        new String[] {"log_loss", "accuracy", "auc"}, new double[] {logLoss, 0.5, auc}, last);
    return EvaluationRecords.of(p, "r", "t", null);
  }

  static ReplayOutcome outcome() {
    List<EvaluationResult> rs = List.of(
        point("a", "m1", 100, 0.9, 0.6, false), point("a", "m1", 200, 0.5, 0.7, true),
        point("a", "m2", 600, 0.3, 0.9, true),
        point("b", "m1", 200, 0.4, 0.8, true), point("b", "m2", 600, 0.4, 0.8, true),
        point("c", "m1", 200, Double.NaN, Double.NaN, true),
        point("d", "m1", 200, 0.4, 0.8, true), point("d", "m2", 600, 0.4, 0.8, true));
    List<FinalModel> fs = new ArrayList<>();
    for (String k : List.of("a/m1", "a/m2", "b/m1", "b/m2", "c/m1", "d/m1", "d/m2")) {
      FinalModel f = new FinalModel();
      f.config = k.split("/")[0];
      f.modelId = k.split("/")[1];
      f.params = new double[] {1, 2};
      fs.add(f);
    }
    return new ReplayOutcome(rs, fs, 2_000_000_000L);
  }

  @Test
  void lossRanksAscendingWithSampleWeightedMeansAndNanLast() {
    ReplayReport r = new ReplayReport(spec(null), outcome());
    assertThat(r.rankBy()).isEqualTo("log_loss");
    // a: (0.5 * 200 + 0.3 * 600) / 800 = 0.35 (its first point is superseded by the final one); b = d = 0.4.
    assertThat(r.ranking()).extracting(ReplayReport.Rank::config).containsExactly("a", "b", "d", "c");
    assertThat(r.ranking().get(0).value()).isEqualTo(0.35);
    assertThat(r.ranking().get(0).samples()).isEqualTo(800);
    assertThat(r.ranking().get(0).samplesPerSecond()).isEqualTo(400.0);
    assertThat(r.ranking().get(3).value()).isNaN();
  }

  @Test
  void aucRanksDescending() {
    ReplayReport r = new ReplayReport(spec("auc"), outcome());
    // a: (0.7 * 200 + 0.9 * 600) / 800 = 0.85.
    assertThat(r.ranking()).extracting(ReplayReport.Rank::config).containsExactly("a", "b", "d", "c");
    assertThat(r.ranking().get(0).value()).isCloseTo(0.85, org.assertj.core.api.Assertions.within(1e-15));
    ReplayReport byLossInverse = new ReplayReport(spec("accuracy"), outcome());
    assertThat(byLossInverse.ranking()).extracting(ReplayReport.Rank::config).containsExactly("a", "b", "c", "d");
  }

  @Test
  void writesJsonChartsAndTable() throws Exception {
    ReplayReport r = new ReplayReport(spec(null), outcome());
    Path json = tmp.resolve("x/report.json");
    r.writeJson(json);
    String text = Files.readString(json);
    assertThat(text).contains("\"rank_by\" : \"log_loss\"", "\"curves\"", "\"parameter_checksum\"");
    assertThat(text).doesNotContain("NaN");
    List<Path> charts = r.writeCharts(tmp.resolve("charts"));
    assertThat(charts).extracting(p -> p.getFileName().toString())
        .containsExactly("log_loss.png", "accuracy.png", "auc.png");
    assertThat(Files.size(charts.get(0))).isGreaterThan(1000);
    assertThat(r.table().lines()).hasSize(5);
    assertThat(r.table().lines().skip(1).findFirst().orElseThrow()).startsWith("1    a ");
  }

  @Test
  void incompleteOutputIsRefused() {
    ReplayOutcome o = outcome();
    List<FinalModel> fewer = new ArrayList<>(o.finals());
    fewer.remove(0);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReplayRunner.checkComplete(o.results(), fewer))
        .hasMessageContaining("incomplete");
    ReplayRunner.checkComplete(o.results(), o.finals());
  }

  /** A final point with test figures and a 2x2 confusion matrix [[tn, fp], [fn, tp]]. */
  static EvaluationResult classified(String config, String model, double testLoss, long tn, long fp, long fn, long tp) {
    EvalPoint p = new EvalPoint(config, model, "prequential", 100, 10, 0, 0, 100,
        new String[] {"log_loss", "accuracy", "test_log_loss", "test_accuracy", "confusion.0.0", "confusion.0.1",
            "confusion.1.0", "confusion.1.1"},
        new double[] {0.5, 0.7, testLoss, 0.8, tn, fp, fn, tp}, true);
    return EvaluationRecords.of(p, "r", "t", null);
  }

  @Test
  void baselineStandsBesideTheRankingAndConfusionSumsOverModelIds() throws Exception {
    List<EvaluationResult> rs = List.of(
        classified("a", "m1", 0.30, 5, 1, 2, 12), classified("a", "m2", 0.30, 3, 0, 1, 6),
        classified("b", "m1", 0.70, 6, 0, 14, 0), classified("b", "m2", 0.70, 3, 0, 7, 0),
        classified("(baseline)", "m1", 0.60, 0, 6, 0, 14), classified("(baseline)", "m2", 0.60, 0, 3, 0, 7));
    List<FinalModel> fs = new ArrayList<>();
    for (EvaluationResult e : rs) {
      FinalModel f = new FinalModel();
      f.config = e.getConfigName();
      f.modelId = e.getModelId();
      f.params = new double[0];
      fs.add(f);
    }
    ReplayReport r = new ReplayReport(spec(null), new ReplayOutcome(rs, fs, 1_000_000_000L));
    assertThat(r.rankBy()).isEqualTo("test_log_loss");
    assertThat(r.ranking()).extracting(ReplayReport.Rank::config).containsExactly("a", "b");
    assertThat(r.baseline().config()).isEqualTo("(baseline)");
    assertThat(r.beatsBaseline(r.ranking().get(0))).isTrue();
    assertThat(r.beatsBaseline(r.ranking().get(1))).isFalse();
    // a: [[5+3, 1+0], [2+1, 12+6]] = [[8, 1], [3, 18]]: recall of class 1 = 18/21, precision 18/19.
    var cm = r.confusion("a");
    assertThat(cm.toArray()).containsExactly(8, 1, 3, 18);
    assertThat(cm.recall(1)).isEqualTo(18.0 / 21);
    assertThat(cm.precision(1)).isEqualTo(18.0 / 19);
    assertThat(r.confusionOf()).isEqualTo("test rows");
    String table = r.table();
    assertThat(table).contains("1 of 2 configurations beat it (a)", "per class (a, test rows)");
    assertThat(table.lines().filter(l -> l.startsWith("-    (baseline)")).count()).isEqualTo(1);
    Path json = tmp.resolve("b/report.json");
    r.writeJson(json);
    var root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
    assertThat(root.get("baseline").get("beaten_by").toString()).isEqualTo("[\"a\"]");
    assertThat(root.get("classes").get("a").get("confusion_matrix").toString()).isEqualTo("[[8,1],[3,18]]");
    assertThat(root.get("classes").get("b").get("balanced_accuracy").asDouble()).isEqualTo(0.5);
  }
}
