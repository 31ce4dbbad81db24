package io.streamtrain.core.diag;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.random.Xoshiro256;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.core.train.TrainingConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A trainer state written and read back before every step (what Flink's copy and a restore do) trains and reports
 * exactly as the state that never left memory: parameters bit for bit, every diagnostics figure, the state and its
 * evidence, the events, the report interval. Two runs cover the working state: the sparse path (previous gradient
 * kept as its non-zero coordinates) with probes spanning steps, and the strict saddle with probes and the escape.
 */
class DiagStateCopyTest {

  static TrainerState copy(ModelTrainer t, TrainerState s) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    s.write(new DataOutputStream(bytes));
    TrainerState r = t.newState(s.modelId);
    r.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    return r;
  }

  /** Trains {@code batches} on an uninterrupted state and on one copied before every step; compares after each. */
  static TrainerState compare(ModelTrainer a, ModelTrainer b, List<Batch> batches) throws Exception {
    TrainerState plain = a.newState("m");
    TrainerState copied = b.newState("m");
    List<DiagEvent> plainEvents = new ArrayList<>();
    List<DiagEvent> copiedEvents = new ArrayList<>();
    for (int i = 0; i < batches.size(); i++) {
      a.train(plain, batches.get(i));
      copied = copy(b, copied);
      b.train(copied, batches.get(i));
      plainEvents.addAll(plain.diag.drainEvents());
      copiedEvents.addAll(copied.diag.drainEvents());
      long[] pb = Arrays.stream(plain.params).mapToLong(Double::doubleToRawLongBits).toArray();
      long[] cb = Arrays.stream(copied.params).mapToLong(Double::doubleToRawLongBits).toArray();
      assertThat(cb).as("parameters after batch %d", i).isEqualTo(pb);
      assertThat(copied.diag.figures()).as("figures after batch %d", i).isEqualTo(plain.diag.figures());
      assertThat(copied.diag.lastState).isEqualTo(plain.diag.lastState);
      assertThat(copied.diag.lastEvidence).isEqualTo(plain.diag.lastEvidence);
      assertThat(copied.diag.probeRunning()).isEqualTo(plain.diag.probeRunning());
      if (i % 7 == 6) {
        assertThat(copied.diag.intervalClassification()).isEqualTo(plain.diag.intervalClassification());
        assertThat(copied.diag.intervalWorst()).isEqualTo(plain.diag.intervalWorst());
        plain.diag.resetInterval();
        copied.diag.resetInterval();
      }
    }
    assertThat(copiedEvents).isEqualTo(plainEvents);
    return plain;
  }

  @Test
  void sparsePathWithProbesSpanningStepsContinuesIdentically() throws Exception {
    Map<String, Object> spec = Map.of("model", Map.of("type", "logistic", "features",
        Map.of("dense", 2, "hash_bits", 12), "init", "normal", "seed", 4), "optimizer",
        Map.of("type", "adagrad", "lr", 0.1), "batching", Map.of("batch_size", 16));
    TrainingConfig cfg = TrainingConfig.fromSpec(new SpecReader("", spec));
    Map<String, Object> diag = Map.of("probe_warmup", 5, "reservoir", 32, "lanczos_steps", 6, "budget_share", 0.4,
        "noise_every", 10);
    ModelTrainer a = new ModelTrainer(cfg).enableDiagnostics(DiagnosticsConfig.fromSpec(new SpecReader("d", diag)));
    ModelTrainer b = new ModelTrainer(cfg).enableDiagnostics(DiagnosticsConfig.fromSpec(new SpecReader("d", diag)));
    assertThat(a.path().sparse()).isTrue();
    List<Batch> batches = new ArrayList<>();
    // Clicks: two dense features and hashed site and user fields (as SparsePathTest's stream).
    Xoshiro256 g = new Xoshiro256(9);
    for (int k = 0; k < 80; k++) {
      Batch batch = a.model().newBatch(16);
      for (int i = 0; i < 16; i++) {
        Example e = new Example();
        e.addDense(g.nextGaussian()).addDense(g.nextGaussian());
        long site = Math.floorMod(g.nextLong(), 30L);
        long user = Math.floorMod(g.nextLong(), 500L);
        e.addCategorical("site", "s" + site).addCategorical("user", "u" + user);
        e.setLabel(site % 3 == 0 || g.nextGaussian() > 1 ? 1 : 0);
        e.setWeight(1);
        batch.add(e);
      }
      batches.add(batch);
    }
    TrainerState end = compare(a, b, batches);
    // 6 products over 32 samples (384 units) at 16 x 0.4 / 0.6 units of credit a step less 16 every 10 steps for
    // the noise estimates: a probe spans ~42 steps, so the copies carried probes in progress; the first has ended,
    // the second runs at the end.
    assertThat(end.diag.probes).isEqualTo(1);
    assertThat(end.diag.probeRunning()).isTrue();
    assertThat(end.diag.prevIndex).isNotNull();
  }

  @Test
  void strictSaddleWithProbesAndTheEscapeContinuesIdentically() throws Exception {
    TrainerState end = fixtureCaseWithCopies("strict_saddle", Map.of("enabled", true), 150);
    assertThat(end.diag.escapes).isGreaterThanOrEqualTo(1);
  }

  /** The zero-initialized circles network: the seeded perturbation (and its stalled-step count) survive copies. */
  @Test
  void degenerateSaddleWithThePerturbationContinuesIdentically() throws Exception {
    TrainerState end = fixtureCaseWithCopies("zero_init_circles", Map.of("enabled", true, "patience", 20), 200);
    assertThat(end.diag.perturbations).isGreaterThanOrEqualTo(1);
  }

  /** A constructed case of the fixture with early, cheap probes and the given escape, compared by {@link #compare}. */
  private static TrainerState fixtureCaseWithCopies(String name, Map<String, Object> escape, int steps)
      throws Exception {
    Map<String, Object> c = ConstructedCasesTest.cases().stream()
        .filter(x -> x.get("name").equals(name)).findFirst().orElseThrow();
    Map<String, Object> diag = Map.of("probe_warmup", 10, "reservoir", 64, "budget_share", 0.5,
        "saddle_escape", escape);
    ModelTrainer a = ConstructedCasesTest.trainer(c, diag);
    ModelTrainer b = ConstructedCasesTest.trainer(c, diag);
    double[][] rows = ConstructedCasesTest.rows(c);
    List<Batch> batches = new ArrayList<>();
    for (int i = 0; i < steps; i++) {
      batches.add(ConstructedCasesTest.batch(a.model(), rows, i * 32, 32));
    }
    return compare(a, b, batches);
  }
}
