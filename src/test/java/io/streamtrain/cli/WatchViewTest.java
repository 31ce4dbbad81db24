package io.streamtrain.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.DiagnosticValue;
import io.streamtrain.avro.Diagnostics;
import io.streamtrain.avro.TrainingEvent;
import io.streamtrain.avro.TrainingMetrics;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The watch view's sparklines and per-model text, from hand-made metrics. */
class WatchViewTest {

  @Test
  void sparklineMapsMinToLowestAndMaxToHighestBlock() {
    assertThat(WatchView.sparkline(new double[] {0, 1, 2, 3, 4, 5, 6, 7}, 8)).isEqualTo("▁▂▃▄▅▆▇█");
    assertThat(WatchView.sparkline(new double[] {3, 3, 3}, 3)).isEqualTo("▄▄▄");
    assertThat(WatchView.sparkline(new double[] {1, Double.NaN, Double.POSITIVE_INFINITY, 2}, 4)).isEqualTo("▁ !█");
    // Four decades: log scale puts 10 and 100 at 1/3 and 2/3 of the height.
    assertThat(WatchView.sparkline(new double[] {1, 10, 100, 1000}, 4)).isEqualTo("▁▃▆█");
  }

  static TrainingMetrics metrics(String id, long step, double loss, double grad, String state, String evidence,
      List<TrainingEvent> events) {
    return TrainingMetrics.newBuilder().setModelId(id).setStep(step).setSamplesSeen(step * 10).setLossBatch(loss)
        .setLossMean(loss).setGradNorm(grad).setLearningRate(0.1).setSamplesPerSecond(1234.0).setConsumerLag(7L)
        .setEvents(events)
        .setDiagnostics(new Diagnostics(state, evidence, List.of(new DiagnosticValue("hessian_max_eigenvalue", 2.0),
            new DiagnosticValue("hessian_min_eigenvalue", -2.0), new DiagnosticValue("layer_grad_ratio", 1e-5)), state, evidence))
        .build();
  }

  @Test
  void rendersOneBlockPerModelSortedWithLatestStateAndHistory() {
    WatchView v = new WatchView(4);
    for (int i = 1; i <= 6; i++) {
      v.accept(metrics("b", i, 7 - i, i, "DESCENDING", "loss change -1", List.of()));
    }
    v.accept(metrics("a", 3, 1.0, 0.0, "SADDLE", "lambda_min -2 < 0",
        List.of(new TrainingEvent("saddle_escape", 3L, "stepped"))));
    v.accept(metrics("b", 2, 99, 99, "DIVERGED", "stale", List.of())); // older step: ignored
    List<String> lines = v.render();
    assertThat(v.modelCount()).isEqualTo(2);
    assertThat(lines.get(0)).isEqualTo("a  step 3  samples 30  state SADDLE");
    String text = String.join("\n", lines);
    assertThat(text).contains("evidence: lambda_min -2 < 0").contains("events: saddle_escape@3")
        .contains("lr 0.1000  samples/s 1234  lag 7").contains("lambda_max 2.000  lambda_min -2.000")
        .contains("b  step 6  samples 60  state DESCENDING").doesNotContain("DIVERGED");
    // b keeps the last 4 reports: losses 4, 3, 2, 1 (falling) and gradient norms 3..6 (rising).
    assertThat(text).contains("  loss   █▆▃▁  1.000").contains("  |grad| ▁▃▆█  6.000");
  }

  @Test
  void stationaryStateAndSaddleEscapesShow() {
    WatchView v = new WatchView(4);
    TrainingMetrics m = metrics("circles", 500, 0.69, 0.05, "STATIONARY", "gradient within its noise", List.of(
        new TrainingEvent("saddle_escape", 441L, "seeded perturbation")));
    m.getDiagnostics().setValues(List.of(new DiagnosticValue("saddle_escapes", 1.0),
        new DiagnosticValue("saddle_perturbations", 1.0), new DiagnosticValue("escape_loss_before", 0.6508),
        new DiagnosticValue("escape_loss_after", 0.7379)));
    v.accept(m);
    String text = String.join("\n", v.render());
    assertThat(text).contains("circles  step 500  samples 5000  state STATIONARY")
        .contains("saddle escapes 1 (perturbations 1), the last: batch loss 0.6508 -> 0.7379")
        .contains("events: saddle_escape@441");
  }

  @Test
  void trainingPathShowsInTheHeaderNotAmongEvents() {
    WatchView v = new WatchView(4);
    v.accept(metrics("ctr", 1, 0.7, 0.1, "DESCENDING", "-", List.of(
        new TrainingEvent("training_path", 0L, "sparse (a step touches only the batch's columns)"),
        new TrainingEvent("skipped_batch", 1L, "non-finite loss"))));
    List<String> lines = v.render();
    assertThat(lines.get(0)).isEqualTo("ctr  step 1  samples 10  state DESCENDING  path sparse");
    assertThat(String.join("\n", lines)).contains("events: skipped_batch@1").doesNotContain("training_path");
  }

  @Test
  void driftWatchShowsItsStateCountsAndBoost() {
    WatchView v = new WatchView(4);
    TrainingMetrics m = metrics("sea", 50, 0.4, 0.2, "DESCENDING", "-", List.of(
        new io.streamtrain.avro.TrainingEvent("drift_warning", 41L, "ddm entered its warning zone"),
        new io.streamtrain.avro.TrainingEvent("drift_detected", 47L, "ddm detected a change")));
    m.setDrift(io.streamtrain.avro.DriftStatus.newBuilder().setDetector("ddm").setSignal("error")
        .setDriftWarning(false).setDriftDetected(true).setWarnings(1).setDetections(1).setWarningsTotal(3)
        .setDetectionsTotal(2).setLastDetectionStep(47L).setLrBoost(3.0).build());
    v.accept(m);
    String text = String.join("\n", v.render());
    assertThat(text).contains("  drift: DRIFT DETECTED  (ddm on error)  this report 1 warning(s), 1 detection(s)"
        + "  total 3 / 2  last at step 47  lr boost x3.000")
        .contains("events: drift_warning@41, drift_detected@47");
    TrainingMetrics later = metrics("sea", 60, 0.3, 0.2, "DESCENDING", "-", List.of());
    later.setDrift(io.streamtrain.avro.DriftStatus.newBuilder().setDetector("ddm").setSignal("error")
        .setDriftWarning(true).setDriftDetected(false).setWarnings(1).setDetections(0).setWarningsTotal(4)
        .setDetectionsTotal(2).setLastDetectionStep(47L).setLrBoost(1.0).build());
    v.accept(later);
    assertThat(String.join("\n", v.render())).contains("drift: WARNING  (ddm on error)").doesNotContain("boost");
    assertThat(String.join("\n", new WatchView(4).render())).doesNotContain("drift:");
  }

  @Test
  void aDataParallelModelShowsItsLatestRoundOnItsOwnLine() {
    WatchView v = new WatchView(4);
    v.accept(metrics("global", 10, 0.7, 0.1, "DESCENDING", "-", List.of(new TrainingEvent("merged_round", 10L,
        "round 0: 4000 samples, 10 steps; samples per worker [2000, 2000]; longest wait for a merge 0 ms"))));
    v.accept(metrics("global", 20, 0.6, 0.1, "DESCENDING", "-", List.of(new TrainingEvent("merged_round", 20L,
        "round 1: 4000 samples, 10 steps; samples per worker [2000, 2000]; longest wait for a merge 31 ms"))));
    List<String> lines = v.render();
    assertThat(lines.get(1)).isEqualTo(
        "  round 1: 4000 samples, 10 steps; samples per worker [2000, 2000]; longest wait for a merge 31 ms");
    assertThat(String.join("\n", lines)).doesNotContain("merged_round@");
  }

  @Test
  void emptyViewSaysSo() {
    assertThat(new WatchView(5).render()).containsExactly("no training metrics yet");
  }
}
