package io.streamtrain.core.optim;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.random.Xoshiro256;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Sparse optimizer steps ({@link Optimizer#stepSparse}, only the touched coordinates) against independent
 * references in float64 (scripts/fixtures/gen_sparse_fixtures.py): torch.optim.SGD and Adagrad on the dense
 * gradient with zeros elsewhere (a sparse step must equal the dense one), torch.optim.SparseAdam on sparse COO
 * gradients, clip_grad_norm_ in front, and an independent implementation of FTRL-Proximal (McMahan et al. 2013,
 * Algorithm 1). Every element of every step within {@link Fixtures#REL}. Also: for the optimizers that are exact
 * under sparsity, the sparse step equals this project's dense step bit for bit.
 */
class TorchSparseFixtureTest {
  private static final List<Map<String, Object>> CASES = Fixtures.cases("sparse.json");

  @Test
  void fixturesCoverEverySparseOptimizer() {
    assertThat(CASES).extracting(c -> (Object) ((Map<?, ?>) c.get("optimizer")).get("type"))
        .contains((Object) "sgd", "adagrad", "sparse_adam", "ftrl");
    assertThat(CASES).allSatisfy(c -> assertThat((List<?>) c.get("indices")).hasSizeGreaterThanOrEqualTo(25));
  }

  @TestFactory
  Stream<DynamicTest> matchesReference() {
    return CASES.stream().map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> check(c)));
  }

  private static OptimizerSpec spec(SpecReader r) {
    OptimizerSpec spec = Optimizers.fromSpec(r.child("optimizer"));
    return r.has("clip") ? spec.withClipping(Clipping.fromSpec(r.child("clip"))) : spec;
  }

  @SuppressWarnings("unchecked")
  private static void check(Map<String, Object> c) {
    SpecReader r = Fixtures.reader(c);
    OptimizerSpec spec = spec(r);
    assertThat(spec.sparseExact()).as("sparse-exact").isTrue();
    Optimizer opt = spec.create(r.getIntArray("param_split", null));
    double[] p = r.requireDoubleArray("params");
    List<List<Number>> indices = (List<List<Number>>) c.get("indices");
    double[][] values = r.requireDoubleMatrix("values");
    double[][] expected = r.requireDoubleMatrix("expected");
    List<Object> lrs = (List<Object>) c.get("lr_schedule");
    for (int t = 0; t < expected.length; t++) {
      if (lrs != null && lrs.get(t) != null) {
        opt.setLr(((Number) lrs.get(t)).doubleValue());
      }
      int[] idx = indices.get(t).stream().mapToInt(Number::intValue).toArray();
      opt.stepSparse(p, idx, values[t].clone(), idx.length);
      Fixtures.assertClose(p, expected[t], c.get("name") + " step " + (t + 1));
    }
    assertThat(opt.stepCount()).isEqualTo(expected.length);
  }

  /**
   * sgd, adagrad and ftrl: the sparse step and the dense step on the zero-filled gradient agree (sparse_adam is
   * defined by its sparse gradients: on a dense one every coordinate is present and its moments decay).
   */
  @Test
  void sparseStepEqualsDenseStepBitForBit() {
    List<OptimizerSpec> specs = List.of(
        Optimizers.sgd(0.1, 0, 0, false, 0),
        Optimizers.adagrad(0.1, 0.01, 0, 0.1, 1e-10),
        Optimizers.ftrl(0.2, 1.0, 0.01, 0.1));
    Xoshiro256 rng = new Xoshiro256(7);
    int n = 64;
    for (OptimizerSpec spec : specs) {
      Optimizer dense = spec.create(n);
      Optimizer sparse = spec.create(n);
      double[] pd = new double[n];
      double[] ps = new double[n];
      for (int step = 0; step < 40; step++) {
        int k = 1 + (int) Math.floorMod(rng.nextLong(), 10L);
        int[] idx = new int[k];
        double[] g = new double[k];
        double[] full = new double[n];
        int used = 0;
        for (int q = 0; q < k; q++) {
          int i = (int) Math.floorMod(rng.nextLong(), (long) n);
          boolean dup = false;
          for (int u = 0; u < used; u++) {
            dup |= idx[u] == i;
          }
          if (!dup) {
            idx[used] = i;
            g[used] = rng.nextGaussian();
            full[i] = g[used];
            used++;
          }
        }
        dense.step(pd, full);
        sparse.stepSparse(ps, idx, g, used);
        for (int i = 0; i < n; i++) {
          assertThat(Double.doubleToLongBits(ps[i])).as("%s step %d coordinate %d", spec.type(), step, i)
              .isEqualTo(Double.doubleToLongBits(pd[i]));
        }
      }
    }
  }

  @Test
  void denseOnlyOptimizersSayTheyAreNotSparseExact() {
    assertThat(Optimizers.adam(1e-3, 0.9, 0.999, 1e-8, 0, false).sparseExact()).isFalse();
    assertThat(Optimizers.sgd(0.1, 0.9, 0, false, 0).sparseExact()).isFalse();
    assertThat(Optimizers.sgd(0.1, 0, 0, false, 1e-4).sparseExact()).isFalse();
    assertThat(Optimizers.rmsprop(0.01, 0.99, 1e-8, 0, 0, false).sparseExact()).isFalse();
    assertThat(Optimizers.adagrad(0.1, 0, 0, 0, 1e-10)
        .withClipping(Clipping.fromSpec(new SpecReader("clip", Map.of("type", "norm", "max_norm", 1.0))))
        .sparseExact()).isTrue();
  }

  @Test
  void sparseStatesRoundTrip() throws Exception {
    for (OptimizerSpec spec : List.of(Optimizers.sparseAdam(0.01, 0.9, 0.999, 1e-8), Optimizers.ftrl(0.1, 1, 0, 0))) {
      Optimizer a = spec.create(8);
      double[] pa = new double[8];
      a.stepSparse(pa, new int[] {1, 5}, new double[] {0.5, -2.0}, 2);
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      a.writeState(new java.io.DataOutputStream(bytes));
      Optimizer b = spec.create(8);
      b.readState(new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())));
      double[] pb = pa.clone();
      a.stepSparse(pa, new int[] {5, 2}, new double[] {1.0, 0.25}, 2);
      b.stepSparse(pb, new int[] {5, 2}, new double[] {1.0, 0.25}, 2);
      assertThat(pb).as(spec.type()).containsExactly(pa);
    }
  }
}
