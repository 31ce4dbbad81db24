package io.streamtrain.flink.training;

import static io.streamtrain.flink.training.TrainerFunctionTest.feed;
import static io.streamtrain.flink.training.TrainerFunctionTest.harness;
import static io.streamtrain.flink.training.TrainerFunctionTest.outputs;
import static io.streamtrain.flink.training.TrainerFunctionTest.render;
import static io.streamtrain.flink.training.TrainerFunctionTest.withoutWallClock;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.TrainingEvent;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.random.Xoshiro256;
import io.streamtrain.flink.training.TrainerFunctionTest.Outputs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;

/**
 * The trainer's drift watch through the operator: on a stream whose concept flips (label x0 > 0, then x0 < 0)
 * DDM detects the change after the flip and never before, the report carries drift_warning / drift_detected
 * events and the drift figures, the boost_lr reaction raises the reported learning rate by its factor for its
 * steps; checkpoints taken anywhere (before the change, in the warning zone, during the boost) restore to the
 * same reports, snapshots and parameters; a checkpoint without a drift part (drift off) restores into a job with
 * drift on, which starts a fresh watch.
 */
class TrainerFunctionDriftTest {
  static final int B = 16;
  static final int FLIP = 40;

  static Map<String, Object> spec(Map<String, Object> drift) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "drift-test");
    m.put("model", Map.of("type", "logistic", "features", Map.of("dense", 2)));
    m.put("optimizer", Map.of("type", "sgd", "lr", 0.5));
    m.put("batching", Map.of("batch_size", B));
    m.put("metrics", Map.of("every_batches", 5));
    m.put("snapshots", Map.of("every_steps", 10));
    if (drift != null) {
      m.put("drift", drift);
    }
    return m;
  }

  static Map<String, Object> ddmBoost() {
    return Map.of("detector", "ddm", "signal", "error",
        "reaction", Map.of("type", "boost_lr", "factor", 4.0, "steps", 6));
  }

  /** 80 batches per model, two models interleaved; the concept flips at batch FLIP of each. */
  static List<MiniBatch> input() {
    return input(0);
  }

  /**
   * As {@link #input()}; with {@code rotateBatches} > 0 the boundary x0 = 0 turns by 180 degrees over that many
   * batches from batch FLIP on, so the error rises gradually (a warning zone before the detection).
   */
  static List<MiniBatch> input(int rotateBatches) {
    Xoshiro256 g = new Xoshiro256(5);
    List<MiniBatch> out = new ArrayList<>();
    long t = 0;
    for (int i = 0; i < 160; i++) {
      String model = i % 2 == 0 ? "m-a" : "m-b";
      boolean flipped = i / 2 >= FLIP;
      double angle = rotateBatches == 0 ? 0 : Math.PI * Math.min(1.0, Math.max(0, i / 2 - FLIP) / (double) rotateBatches);
      MiniBatch b = new MiniBatch(B);
      b.reset(model, 0);
      for (int k = 0; k < B; k++) {
        double x = g.nextGaussian();
        double y = g.nextGaussian();
        boolean pos = rotateBatches > 0 ? x * Math.cos(angle) + y * Math.sin(angle) > 0 : flipped ? x < 0 : x > 0;
        b.append(new Example().setModelId(model).setEventTime(t += 10).setDense(new double[] {x, y}, 2)
            .setLabel(pos ? 1 : 0));
      }
      out.add(b);
    }
    return out;
  }

  static Outputs run(Map<String, Object> spec, List<MiniBatch> in) throws Exception {
    try (var h = harness(spec)) {
      h.open();
      feed(h, in, 0, in.size());
      h.processWatermark(Long.MAX_VALUE);
      return outputs(h);
    }
  }

  static Outputs restoredAt(Map<String, Object> before, Map<String, Object> after, List<MiniBatch> in, int cut)
      throws Exception {
    OperatorSubtaskState snap;
    Outputs got;
    try (var h = harness(before)) {
      h.open();
      feed(h, in, 0, cut);
      snap = h.snapshot(1, 0);
      got = outputs(h);
    }
    try (var h = harness(after)) {
      h.initializeState(snap);
      h.open();
      feed(h, in, cut, in.size());
      h.processWatermark(Long.MAX_VALUE);
      return got.plus(outputs(h));
    }
  }

  static List<TrainingEvent> events(List<TrainingMetrics> ms, String model, String type) {
    return ms.stream().filter(m -> m.getModelId().equals(model)).flatMap(m -> m.getEvents().stream())
        .filter(e -> e.getType().equals(type)).toList();
  }

  @Test
  void detectsTheFlipAfterItBoostsAndRestoresIdentically() throws Exception {
    List<MiniBatch> in = input();
    Outputs expected = run(spec(ddmBoost()), in);
    for (String model : List.of("m-a", "m-b")) {
      List<TrainingEvent> detected = events(expected.metrics(), model, "drift_detected");
      assertThat(detected).as(model).isNotEmpty();
      // the flip is at step FLIP: the first detection comes after it, within 10 batches
      long first = detected.get(0).getStep();
      assertThat(first).as(model).isBetween((long) FLIP + 1, (long) FLIP + 10);
      assertThat(detected.get(0).getMessage()).contains("ddm on progressive errors", "learning rate x 4.0");
      assertThat(events(expected.metrics(), model, "drift_watch_started")).hasSize(1);
      // every report has the drift figures; the detection's report says so
      List<TrainingMetrics> reports = expected.metrics().stream().filter(m -> m.getModelId().equals(model))
          .toList();
      assertThat(reports).allSatisfy(m -> assertThat(m.getDrift()).isNotNull());
      TrainingMetrics at = reports.stream().filter(m -> m.getStep() >= first).findFirst().orElseThrow();
      assertThat(at.getDrift().getDriftDetected()).isTrue();
      assertThat(at.getDrift().getDetector()).isEqualTo("ddm");
      assertThat(reports.get(reports.size() - 1).getDrift().getDetectionsTotal()).isEqualTo(detected.size());
      // a report whose last step lies in the boost reports lr x 4, one after it the base lr
      for (TrainingMetrics m : reports) {
        boolean boosted = detected.stream().anyMatch(e -> m.getStep() > e.getStep() && m.getStep() <= e.getStep() + 6);
        assertThat(m.getLearningRate()).as("lr at step %d", m.getStep()).isEqualTo(boosted ? 2.0 : 0.5);
      }
    }
    // checkpoints before the flip, just after it and in the boost restore to identical output
    for (int cut : new int[] {7, 2 * FLIP + 3, 2 * FLIP + 11, 2 * FLIP + 15}) {
      Outputs got = restoredAt(spec(ddmBoost()), spec(ddmBoost()), in, cut);
      assertThat(render(withoutWallClock(got.metrics()))).as("metrics, restored at %d", cut)
          .isEqualTo(render(withoutWallClock(expected.metrics())));
      assertThat(render(got.snapshots())).as("snapshots, restored at %d", cut)
          .isEqualTo(render(expected.snapshots()));
    }
  }

  @Test
  void withoutDriftNothingChangesAndOldStateStartsAFreshWatch() throws Exception {
    List<MiniBatch> in = input();
    Outputs off = run(spec(null), in);
    assertThat(off.metrics()).allSatisfy(m -> assertThat(m.getDrift()).isNull());
    // report-only detection trains exactly as without it
    Outputs reportOnly = run(spec(Map.of("detector", "adwin")), in);
    assertThat(render(reportOnly.snapshots())).isEqualTo(render(off.snapshots()));
    assertThat(events(reportOnly.metrics(), "m-a", "drift_detected")).isNotEmpty();
    // a checkpoint of a job without drift restores into a job with drift: a fresh watch from there on
    Outputs upgraded = restoredAt(spec(null), spec(ddmBoost()), in, 20);
    for (String model : List.of("m-a", "m-b")) {
      List<TrainingEvent> started = events(upgraded.metrics(), model, "drift_watch_started");
      assertThat(started).hasSize(1);
      assertThat(started.get(0).getStep()).isEqualTo(10L);
      assertThat(events(upgraded.metrics(), model, "drift_detected")).isNotEmpty();
    }
    // and a checkpoint with drift restores into a job without it: no drift figures, training unchanged
    Outputs downgraded = restoredAt(spec(Map.of("detector", "adwin")), spec(null), in, 20);
    assertThat(render(downgraded.snapshots())).isEqualTo(render(off.snapshots()));
    assertThat(downgraded.metrics().stream().filter(m -> m.getStep() > 10)).allSatisfy(
        m -> assertThat(m.getDrift()).isNull());
  }

  @Test
  void resetOptimizerReactionIsReportedAndRestoresIdentically() throws Exception {
    List<MiniBatch> in = input();
    Map<String, Object> drift = Map.of("detector", "ddm", "reaction", "reset_optimizer");
    Map<String, Object> spec = spec(drift);
    spec.put("optimizer", Map.of("type", "adam", "lr", 0.05));
    Outputs expected = run(spec, in);
    List<TrainingEvent> detected = events(expected.metrics(), "m-a", "drift_detected");
    assertThat(detected).isNotEmpty();
    assertThat(detected.get(0).getMessage()).endsWith("optimizer state reset");
    Map<String, Object> plain = spec(null);
    plain.put("optimizer", Map.of("type", "adam", "lr", 0.05));
    // the reset changes the trajectory from the detection on
    assertThat(render(expected.snapshots())).isNotEqualTo(render(run(plain, in).snapshots()));
    Outputs got = restoredAt(spec, spec, in, 2 * FLIP + 13);
    assertThat(render(got.snapshots())).isEqualTo(render(expected.snapshots()));
  }

  /**
   * The background reaction: a warning starts a background model, the detection swaps it in and publishes a
   * snapshot at once whose origin says so; checkpoints taken while the background model trains (its state is part
   * of the drift state) restore to identical reports and snapshots.
   */
  @Test
  void backgroundModelSwappedInAtTheDetectionWithItsSnapshotSayingSo() throws Exception {
    List<MiniBatch> in = input(30);
    Map<String, Object> spec = spec(Map.of("detector", "ddm", "reaction", "background"));
    Outputs expected = run(spec, in);
    for (String model : List.of("m-a", "m-b")) {
      List<TrainingEvent> started = events(expected.metrics(), model, "drift_background_started");
      List<TrainingEvent> swapped = events(expected.metrics(), model, "drift_detected").stream()
          .filter(e -> e.getMessage().contains("swapped in")).toList();
      assertThat(started).as(model).isNotEmpty();
      assertThat(swapped).as(model).isNotEmpty();
      long at = swapped.get(0).getStep();
      assertThat(at).isGreaterThan(started.get(0).getStep());
      var snaps = expected.snapshots().stream().filter(x -> x.getModelId().equals(model)).toList();
      var swapSnap = snaps.stream().filter(x -> x.getOrigin() != null).findFirst().orElseThrow();
      assertThat(swapSnap.getStep()).isEqualTo(at);
      assertThat(swapSnap.getOrigin()).startsWith("drift_swap: background model trained since step ")
          .contains("swapped in at step " + at);
      // one snapshot says so per swap, published at the swap's step; versions keep increasing
      assertThat(snaps.stream().filter(x -> x.getOrigin() != null).map(x -> x.getStep()).toList())
          .isEqualTo(swapped.stream().map(TrainingEvent::getStep).toList());
      assertThat(snaps.stream().map(x -> x.getVersion()).toList()).isSorted().doesNotHaveDuplicates();
    }
    // without the reaction the snapshots differ from the swap on
    assertThat(render(run(spec(Map.of("detector", "ddm")), in).snapshots()))
        .isNotEqualTo(render(expected.snapshots()));
    for (int cut = 2 * FLIP; cut <= 2 * FLIP + 60; cut += 6) {
      Outputs got = restoredAt(spec, spec, in, cut);
      assertThat(render(withoutWallClock(got.metrics()))).as("metrics, restored at %d", cut)
          .isEqualTo(render(withoutWallClock(expected.metrics())));
      assertThat(render(got.snapshots())).as("snapshots, restored at %d", cut).isEqualTo(render(expected.snapshots()));
    }
  }

  /** The drift figures are Flink gauges too (driftDetections, driftWarnings, driftInWarning) and match the reports. */
  @Test
  void driftFiguresAreGauges() throws Exception {
    TrainerFunctionDiagnosticsTest.Captured op = new TrainerFunctionDiagnosticsTest.Captured();
    org.apache.flink.runtime.metrics.util.InterceptingTaskMetricGroup task =
        new org.apache.flink.runtime.metrics.util.InterceptingTaskMetricGroup() {
          @Override
          public org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup getOrAddOperator(
              org.apache.flink.runtime.jobgraph.OperatorID id, String name, Map<String, String> extra) {
            return op;
          }
        };
    List<MiniBatch> in = input();
    Map<String, Object> spec = spec(ddmBoost());
    List<TrainingMetrics> reports = new ArrayList<>();
    try (var env = new org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder().setMetricGroup(task)
        .build();
        var h = new org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness<String, MiniBatch,
            TrainingMetrics>(new org.apache.flink.streaming.api.operators.KeyedProcessOperator<>(
                new TrainerFunction(spec, TrainingJob.SNAPSHOTS)), b -> b.modelId,
            org.apache.flink.api.common.typeinfo.Types.STRING, env)) {
      h.open();
      // only m-a's batches, so the captured (flattened) gauges are m-a's
      for (MiniBatch b : in) {
        if (b.modelId.equals("m-a")) {
          h.processElement(b, b.get(b.size() - 1).eventTime());
        }
      }
      reports.addAll(TrainerFunctionTest.outputs(h).metrics());
      TrainingMetrics last = reports.get(reports.size() - 1);
      assertThat(((org.apache.flink.metrics.Gauge<?>) op.get("drift_detections_total")).getValue())
          .isEqualTo(last.getDrift().getDetectionsTotal()).isNotEqualTo(0L);
      assertThat(((org.apache.flink.metrics.Gauge<?>) op.get("drift_warnings_total")).getValue())
          .isEqualTo(last.getDrift().getWarningsTotal());
      assertThat(((org.apache.flink.metrics.Gauge<?>) op.get("drift_in_warning")).getValue())
          .isEqualTo(last.getDrift().getDriftWarning() ? 1 : 0);
    }
  }
}
