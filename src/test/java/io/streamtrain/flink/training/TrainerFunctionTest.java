package io.streamtrain.flink.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.DiagnosticValue;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.random.Xoshiro256;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.core.train.TrainingConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The trainer in Flink's keyed operator harness: parameters equal, bit for bit, those of the core trainer fed the
 * same batches; a checkpoint taken in the middle of a metrics interval and of the snapshot cadence, restored into a
 * new operator, continues to the same metrics, the same snapshots and the same final parameters as an
 * uninterrupted run; the metrics cadence, snapshot cadence and end-of-input report hold.
 */
class TrainerFunctionTest {
  static final int B = 8;

  /** An MLP with batch norm and Adam with a schedule and clipping: every kind of state the trainer keeps. */
  static Map<String, Object> spec() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "trainer-test");
    m.put("model", Map.of("type", "mlp", "layers", List.of(2, 6, 1), "activation", "tanh", "head", "logistic",
        "batch_norm", true, "seed", 3));
    m.put("optimizer", Map.of("type", "adam", "lr", 0.05));
    m.put("clip", Map.of("type", "norm", "max_norm", 1.0));
    m.put("schedule", Map.of("type", "StepLR", "step_size", 4, "gamma", 0.7));
    m.put("batching", Map.of("batch_size", B));
    m.put("metrics", Map.of("every_batches", 3));
    m.put("snapshots", Map.of("every_steps", 5));
    return m;
  }

  static KeyedOneInputStreamOperatorTestHarness<String, MiniBatch, TrainingMetrics> harness() throws Exception {
    return harness(spec());
  }

  static KeyedOneInputStreamOperatorTestHarness<String, MiniBatch, TrainingMetrics> harness(Map<String, Object> spec)
      throws Exception {
    var h = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new TrainerFunction(spec, TrainingJob.SNAPSHOTS)),
        (MiniBatch b) -> b.modelId, Types.STRING);
    h.setup(new AvroSerializer<>(TrainingMetrics.class));
    return h;
  }

  /** Batches of two models alternating (a, b, a, b, ...), the last one of each partial, as the batcher flushes. */
  static List<MiniBatch> input() {
    Xoshiro256 g = new Xoshiro256(17);
    List<MiniBatch> out = new ArrayList<>();
    long t = 0;
    for (int i = 0; i < 30; i++) {
      String model = i % 2 == 0 ? "tenant-a" : "tenant-b";
      int n = i >= 28 ? 3 : B;
      MiniBatch b = new MiniBatch(n);
      b.reset(model, 0);
      for (int k = 0; k < n; k++) {
        double x = g.nextGaussian();
        double y = g.nextGaussian();
        b.append(new Example().setModelId(model).setEventTime(t += 10).setDense(new double[] {x, y}, 2)
            .setLabel(x * x + y * y < 1 ? 1 : 0));
      }
      b.rejected = i == 5 ? 2 : 0;
      out.add(b);
    }
    return out;
  }

  static void feed(KeyedOneInputStreamOperatorTestHarness<String, MiniBatch, TrainingMetrics> h, List<MiniBatch> in,
      int from, int to) throws Exception {
    for (int i = from; i < to; i++) {
      MiniBatch b = in.get(i);
      h.processElement(b, b.get(b.size() - 1).eventTime());
    }
  }

  record Outputs(List<TrainingMetrics> metrics, List<ModelSnapshot> snapshots) {
    Outputs plus(Outputs o) {
      List<TrainingMetrics> m = new ArrayList<>(metrics);
      m.addAll(o.metrics);
      List<ModelSnapshot> s = new ArrayList<>(snapshots);
      s.addAll(o.snapshots);
      return new Outputs(m, s);
    }
  }

  static Outputs outputs(KeyedOneInputStreamOperatorTestHarness<String, MiniBatch, TrainingMetrics> h) {
    List<TrainingMetrics> m = new ArrayList<>();
    for (Object o : h.getOutput()) {
      if (o instanceof StreamRecord<?> sr) {
        m.add((TrainingMetrics) sr.getValue());
      }
    }
    List<ModelSnapshot> s = h.getSideOutput(TrainingJob.SNAPSHOTS) == null ? List.of()
        : h.getSideOutput(TrainingJob.SNAPSHOTS).stream().map(StreamRecord::getValue).toList();
    return new Outputs(m, s);
  }

  /** The input with tenant-b's 5th batch (index 9) poisoned by a NaN: a skipped batch and its pending event. */
  static List<MiniBatch> inputWithBadBatch() {
    List<MiniBatch> in = input();
    in.get(9).get(4).denseValues()[0] = Double.NaN;
    return in;
  }

  static Outputs uninterrupted() throws Exception {
    return uninterrupted(input());
  }

  static Outputs uninterrupted(List<MiniBatch> in) throws Exception {
    try (var h = harness()) {
      h.open();
      feed(h, in, 0, in.size());
      h.processWatermark(Long.MAX_VALUE);
      return outputs(h);
    }
  }

  /** Outputs of a run checkpointed after {@code cut} batches and restored into a new operator for the rest. */
  static Outputs restoredAt(Map<String, Object> spec, List<MiniBatch> in, int cut) throws Exception {
    OperatorSubtaskState snap;
    Outputs got;
    try (var h = harness(spec)) {
      h.open();
      feed(h, in, 0, cut);
      snap = h.snapshot(1, 0);
      got = outputs(h);
    }
    try (var h = harness(spec)) {
      h.initializeState(snap);
      h.open();
      feed(h, in, cut, in.size());
      h.processWatermark(Long.MAX_VALUE);
      return got.plus(outputs(h));
    }
  }

  static ModelSnapshot last(List<ModelSnapshot> snaps, String model) {
    return snaps.stream().filter(s -> s.getModelId().equals(model)).reduce((a, b) -> b).orElseThrow();
  }

  static long[] bits(List<Double> values) {
    return values.stream().mapToLong(Double::doubleToRawLongBits).toArray();
  }

  static long[] bits(double[] values) {
    long[] b = new long[values.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = Double.doubleToRawLongBits(values[i]);
    }
    return b;
  }

  static TrainingConfig trainingConfig(Map<String, Object> spec) {
    Map<String, Object> training = new LinkedHashMap<>();
    for (String k : TrainingConfig.KEYS) {
      if (spec.containsKey(k)) {
        training.put(k, spec.get(k));
      }
    }
    return TrainingConfig.fromSpec(new SpecReader("", training));
  }

  /**
   * A job restarted from a checkpoint with a changed optimizer keeps each model's parameters and restarts the
   * optimizer and schedule: the final parameters equal the core's run of the old configuration up to the
   * restore, then a fresh state of the new configuration seeded with those parameters; the change is reported.
   */
  @Test
  void restoredWithAChangedConfigurationKeepsParametersAndRestartsTheOptimizer() throws Exception {
    List<MiniBatch> in = input();
    Map<String, Object> changed = spec();
    changed.put("optimizer", Map.of("type", "sgd", "lr", 0.1, "momentum", 0.5));
    int cut = 12;
    OperatorSubtaskState snap;
    try (var h = harness()) {
      h.open();
      feed(h, in, 0, cut);
      snap = h.snapshot(1, 0);
    }
    Outputs after;
    try (var h = harness(changed)) {
      h.initializeState(snap);
      h.open();
      feed(h, in, cut, in.size());
      h.processWatermark(Long.MAX_VALUE);
      after = outputs(h);
    }
    for (String model : List.of("tenant-a", "tenant-b")) {
      ModelTrainer before = new ModelTrainer(trainingConfig(spec()));
      TrainerState s = before.newState(model);
      ModelTrainer next = new ModelTrainer(trainingConfig(changed));
      TrainerState n = next.newState(model);
      boolean migrated = false;
      for (int i = 0; i < in.size(); i++) {
        MiniBatch b = in.get(i);
        if (!b.modelId.equals(model)) {
          continue;
        }
        if (i < cut) {
          before.train(s, b);
        } else {
          if (!migrated) {
            migrated = true;
            System.arraycopy(s.params, 0, n.params, 0, s.params.length);
            System.arraycopy(s.buffers, 0, n.buffers, 0, s.buffers.length);
          }
          next.train(n, b);
        }
      }
      assertThat(bits(last(after.snapshots(), model).getParameters())).as(model).isEqualTo(bits(n.params));
      assertThat(last(after.snapshots(), model).getSamplesSeen()).isEqualTo(14 * B + 3);
      assertThat(last(after.snapshots(), model).getOptimizer()).isEqualTo("sgd");
      assertThat(after.metrics().stream().filter(m -> m.getModelId().equals(model))
          .flatMap(m -> m.getEvents().stream()).map(e -> e.getType()))
          .containsOnlyOnce("config_changed");
    }
  }

  /**
   * [2, 6, 1] and [2, 4, 2, 1] with batch norm have the same number of parameters (37) and buffers (12) in other
   * shapes: a restart that changes one into the other re-initializes the model (reporting the group whose shape
   * changed) instead of reading the old weights as new ones; the run then equals a fresh model of the new
   * configuration trained on the batches after the restore.
   */
  @Test
  void restoredWithNewShapesOfTheSameSizeReinitializesTheModel() throws Exception {
    List<MiniBatch> in = input();
    Map<String, Object> changed = spec();
    changed.put("model", Map.of("type", "mlp", "layers", List.of(2, 4, 2, 1), "activation", "tanh", "head",
        "logistic", "batch_norm", true, "seed", 3));
    assertThat(new ModelTrainer(trainingConfig(changed)).newState("x").params)
        .hasSameSizeAs(new ModelTrainer(trainingConfig(spec())).newState("x").params);
    int cut = 12;
    OperatorSubtaskState snap;
    try (var h = harness()) {
      h.open();
      feed(h, in, 0, cut);
      snap = h.snapshot(1, 0);
    }
    Outputs after;
    try (var h = harness(changed)) {
      h.initializeState(snap);
      h.open();
      feed(h, in, cut, in.size());
      h.processWatermark(Long.MAX_VALUE);
      after = outputs(h);
    }
    for (String model : List.of("tenant-a", "tenant-b")) {
      ModelTrainer next = new ModelTrainer(trainingConfig(changed));
      TrainerState n = next.newState(model);
      for (int i = cut; i < in.size(); i++) {
        if (in.get(i).modelId.equals(model)) {
          next.train(n, in.get(i));
        }
      }
      assertThat(bits(last(after.snapshots(), model).getParameters())).as(model).isEqualTo(bits(n.params));
      assertThat(after.metrics().stream().filter(m -> m.getModelId().equals(model))
          .flatMap(m -> m.getEvents().stream()).filter(e -> e.getType().equals("config_changed"))
          .map(e -> e.getMessage()))
          .singleElement().asString().contains("new shapes").contains("re-initialized").contains("[6, 2]");
    }
  }

  @Test
  void finalParametersEqualTheCoreTrainerBitForBit() throws Exception {
    Outputs out = uninterrupted();
    TrainingConfig cfg = trainingConfig(spec());
    for (String model : List.of("tenant-a", "tenant-b")) {
      ModelTrainer core = new ModelTrainer(cfg);
      TrainerState s = core.newState(model);
      for (MiniBatch b : input()) {
        if (b.modelId.equals(model)) {
          core.train(s, b);
        }
      }
      ModelSnapshot snap = last(out.snapshots(), model);
      assertThat(snap.getStep()).isEqualTo(15);
      assertThat(snap.getSamplesSeen()).isEqualTo(14 * B + 3);
      assertThat(bits(snap.getParameters())).isEqualTo(bits(s.params));
      assertThat(snap.getBuffers().stream().flatMap(x -> x.getValues().stream()).toList())
          .containsExactlyElementsOf(toList(s.buffers));
      assertThat(snap.getChecksum()).isEqualTo(io.streamtrain.io.ParameterChecksum.of(s.params));
    }
  }

  @Test
  void metricsAndSnapshotCadenceAndTheEndOfInputReport() throws Exception {
    Outputs out = uninterrupted();
    List<TrainingMetrics> a = out.metrics().stream().filter(m -> m.getModelId().equals("tenant-a")).toList();
    // 15 batches, a report every 3: 5 reports, the end-of-input one has nothing left to add.
    assertThat(a).extracting(TrainingMetrics::getStep).containsExactly(3L, 6L, 9L, 12L, 15L);
    assertThat(a.stream().mapToLong(TrainingMetrics::getSamplesInReport).sum()).isEqualTo(14 * B + 3);
    // tenant-b's batch #5 (index 5 of the input) brought two rejected samples.
    TrainingMetrics lastB = out.metrics().stream().filter(m -> m.getModelId().equals("tenant-b"))
        .reduce((x, y) -> y).orElseThrow();
    assertThat(lastB.getRejectedSamples()).isEqualTo(2);
    assertThat(a.get(0).getDiagnostics().getValues()).extracting(DiagnosticValue::getName)
        .contains("progressive_accuracy");
    // StepLR(step_size 4, gamma 0.7) on lr 0.05: the lr used by step 9 (index 8) is 0.05 * 0.7^2.
    assertThat(a.get(2).getLearningRate()).isEqualTo(0.05 * 0.7 * 0.7);
    // Snapshots at steps 5, 10, 15 (the last is also the final one), versions 1, 2, 3.
    List<ModelSnapshot> sa = out.snapshots().stream().filter(s -> s.getModelId().equals("tenant-a")).toList();
    assertThat(sa).extracting(ModelSnapshot::getStep).containsExactly(5L, 10L, 15L);
    assertThat(sa).extracting(ModelSnapshot::getVersion).containsExactly(1L, 2L, 3L);
  }

  @Test
  void restoredMidIntervalContinuesToIdenticalOutput() throws Exception {
    List<MiniBatch> in = inputWithBadBatch();
    Outputs expected = uninterrupted(in);
    // The skipped batch is reported once, in tenant-b's own report.
    assertThat(expected.metrics().stream().flatMap(m -> m.getEvents().stream().map(e -> m.getModelId() + " "
        + e.getType())).filter(e -> !e.endsWith(" training_path"))).containsExactly("tenant-b skipped_batch");
    // 13 batches: tenant-a at step 7 (mid metrics interval of 3, mid snapshot cadence of 5), tenant-b at step 6.
    // 11 batches: tenant-b's skipped-batch event is pending (its report comes with its 6th batch).
    for (int cut : new int[] {1, 11, 13, 29}) {
      Outputs got = restoredAt(spec(), in, cut);
      // Compared in Avro's JSON rendering (doubles printed round-trip exactly): Avro's record equals treats a NaN
      // field as unequal to itself. samples_per_second is wall-clock throughput, the one figure allowed to differ.
      assertThat(render(withoutWallClock(got.metrics()))).as("metrics, restored at %d", cut)
          .isEqualTo(render(withoutWallClock(expected.metrics())));
      assertThat(render(got.snapshots())).as("snapshots, restored at %d", cut)
          .isEqualTo(render(expected.snapshots()));
      for (String model : List.of("tenant-a", "tenant-b")) {
        assertThat(bits(last(got.snapshots(), model).getParameters()))
            .isEqualTo(bits(last(expected.snapshots(), model).getParameters()));
      }
    }
  }

  /**
   * The loss-spike guard inside the operator: tenant-a's 9th batch carries labels of 100 for a regression model
   * whose loss is below 1, so its loss spikes; the operator reports a loss_spike_rollback event and the rollback
   * count and learning-rate scale in that model's next report, the final parameters equal the core trainer's bit
   * for bit, and checkpoints taken before the spike, right after it and later restore to identical output.
   */
  @Test
  void aLossSpikeRollsBackWithAnEventAndRestoresIdentically() throws Exception {
    Map<String, Object> spec = new LinkedHashMap<>(spec());
    spec.put("model", Map.of("type", "linear", "features", Map.of("dense", 2)));
    spec.put("optimizer", Map.of("type", "sgd", "lr", 0.05, "momentum", 0.5));
    spec.put("guard", Map.of("loss_spike_factor", 3, "lr_cut", 0.5, "warmup_steps", 3, "good_state_every", 2));
    List<MiniBatch> in = input();
    MiniBatch spike = in.get(16);
    assertThat(spike.modelId).isEqualTo("tenant-a");
    for (int k = 0; k < spike.size(); k++) {
      spike.get(k).setLabel(100);
    }
    Outputs expected;
    try (var h = harness(spec)) {
      h.open();
      feed(h, in, 0, in.size());
      h.processWatermark(Long.MAX_VALUE);
      expected = outputs(h);
    }
    List<TrainingMetrics> a = expected.metrics().stream().filter(m -> m.getModelId().equals("tenant-a")).toList();
    assertThat(expected.metrics().stream().flatMap(m -> m.getEvents().stream().map(e -> m.getModelId() + " "
        + e.getType())).filter(e -> !e.endsWith(" training_path"))).containsExactly("tenant-a loss_spike_rollback");
    TrainingMetrics reported = a.stream().filter(m -> m.getEvents().stream()
        .anyMatch(e -> e.getType().equals("loss_spike_rollback"))).findFirst().orElseThrow();
    assertThat(reported.getEvents().stream().filter(e -> e.getType().equals("loss_spike_rollback")).findFirst()
        .orElseThrow().getMessage()).contains("rolled back").contains("learning-rate scale now 0.5");
    assertThat(reported.getSkippedBatches()).isEqualTo(1);
    assertThat(reported.getDiagnostics().getValues()).extracting(DiagnosticValue::getName, DiagnosticValue::getValue)
        .contains(org.assertj.core.groups.Tuple.tuple("loss_spike_rollbacks", 1.0),
            org.assertj.core.groups.Tuple.tuple("lr_scale", 0.5));

    TrainingConfig cfg = trainingConfig(spec);
    for (String model : List.of("tenant-a", "tenant-b")) {
      ModelTrainer core = new ModelTrainer(cfg);
      TrainerState st = core.newState(model);
      for (MiniBatch b : in) {
        if (b.modelId.equals(model)) {
          core.train(st, b);
        }
      }
      assertThat(st.guard.rollbacks).isEqualTo(model.equals("tenant-a") ? 1 : 0);
      if (model.equals("tenant-a")) {
        // The reported lr is the core's: StepLR's scheduled lr times the cut.
        assertThat(a.get(a.size() - 1).getLearningRate()).isEqualTo(st.lastLr);
        assertThat(st.guard.lrScale).isEqualTo(0.5);
      }
      assertThat(bits(last(expected.snapshots(), model).getParameters())).isEqualTo(bits(st.params));
    }

    for (int cut : new int[] {10, 17, 21}) {
      Outputs got = restoredAt(spec, in, cut);
      assertThat(render(withoutWallClock(got.metrics()))).as("metrics, restored at %d", cut)
          .isEqualTo(render(withoutWallClock(expected.metrics())));
      assertThat(render(got.snapshots())).as("snapshots, restored at %d", cut)
          .isEqualTo(render(expected.snapshots()));
    }
  }

  /**
   * A run with curvature probes that span several steps (budget_share 0.75: a probe of up to 6 products over
   * 2 batches' samples takes several steps of credit) and the saddle escape on, checkpointed after every batch
   * count in turn and restored into a new operator: every report, diagnostics included (state, worst state,
   * evidence, every figure), equals the uninterrupted run's, so cuts in the middle of a probe, of a reservoir
   * window and of a report interval change nothing.
   */
  @Test
  void diagnosticsWorkingStateRestoresIdenticallyAtEveryCut() throws Exception {
    Map<String, Object> spec = new LinkedHashMap<>(spec());
    spec.put("diagnostics", Map.of("probe_warmup", 0, "reservoir", 2 * B, "lanczos_steps", 6, "budget_share", 0.75,
        "saddle_escape", Map.of("enabled", true, "after_checks", 1)));
    List<MiniBatch> in = input();
    Outputs expected;
    try (var h = harness(spec)) {
      h.open();
      feed(h, in, 0, in.size());
      h.processWatermark(Long.MAX_VALUE);
      expected = outputs(h);
    }
    TrainingMetrics lastA = expected.metrics().stream().filter(m -> m.getModelId().equals("tenant-a"))
        .reduce((a, b) -> b).orElseThrow();
    double probes = lastA.getDiagnostics().getValues().stream().filter(v -> v.getName().equals("probes"))
        .mapToDouble(DiagnosticValue::getValue).findFirst().orElseThrow();
    assertThat(probes).isGreaterThanOrEqualTo(1.0);
    assertThat(lastA.getDiagnostics().getValues()).extracting(DiagnosticValue::getName)
        .contains("hessian_max_eigenvalue", "probe_samples", "probe_work_share", "grad_cosine_mean");
    for (int cut = 1; cut < in.size(); cut++) {
      Outputs got = restoredAt(spec, in, cut);
      assertThat(render(withoutWallClock(got.metrics()))).as("metrics, restored at %d", cut)
          .isEqualTo(render(withoutWallClock(expected.metrics())));
      for (String model : List.of("tenant-a", "tenant-b")) {
        assertThat(bits(last(got.snapshots(), model).getParameters()))
            .isEqualTo(bits(last(expected.snapshots(), model).getParameters()));
      }
    }
  }

  /** The metrics without their one wall-clock figure, samples_per_second (diagnostics are compared in full). */
  static List<TrainingMetrics> withoutWallClock(List<TrainingMetrics> metrics) {
    return metrics.stream().map(m -> TrainingMetrics.newBuilder(m).setSamplesPerSecond(Double.NaN).build())
        .toList();
  }

  static List<String> render(List<?> records) {
    return records.stream().map(Object::toString).toList();
  }

  static List<Double> toList(double[] a) {
    List<Double> l = new ArrayList<>();
    for (double d : a) {
      l.add(d);
    }
    return l;
  }
}
