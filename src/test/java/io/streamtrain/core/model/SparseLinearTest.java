package io.streamtrain.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.random.Xoshiro256;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The sparse kernel of the linear families against the dense model (whose gradients are checked against torch and
 * finite differences elsewhere) and against central finite differences of the loss: the same loss, the same
 * gradient on every parameter (zero where the sparse gradient has no entry), only touched parameters listed, each
 * once, hash collisions inside a row merged; and the progressive count from the same logits.
 */
class SparseLinearTest {
  private static final int DENSE = 3;
  private static final int SPARSE = 6;

  static Map<String, Object> spec(String type, Map<String, Object> extra) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", type);
    m.put("features", Map.of("dense", DENSE, "sparse", SPARSE, "hash_bits", 6));
    m.put("init", "normal");
    m.put("seed", 11);
    m.putAll(extra);
    return m;
  }

  static List<Map<String, Object>> specs() {
    return List.of(
        spec("logistic", Map.of()),
        spec("softmax", Map.of("classes", 3)),
        spec("linear", Map.of()),
        spec("linear", Map.of("loss", "huber", "delta", 0.5)));
  }

  /** Rows with dense values, a few sparse pairs, and more hashed names than 2^6 slots (so collisions happen). */
  static Batch batch(Model m, int rows, long seed) {
    Xoshiro256 g = new Xoshiro256(seed);
    Batch b = m.newBatch(rows);
    boolean softmax = m.outputDim() > 1;
    boolean logistic = m.spec().head() == Head.LOGISTIC;
    for (int i = 0; i < rows; i++) {
      Example e = new Example();
      for (int j = 0; j < DENSE; j++) {
        e.addDense(g.nextGaussian());
      }
      e.addSparse((int) Math.floorMod(g.nextLong(), (long) SPARSE), g.nextGaussian());
      for (int f = 0; f < 12; f++) {
        e.addCategorical("f" + f, "v" + Math.floorMod(g.nextLong(), 40L));
      }
      e.addNumeric("amount", g.nextGaussian());
      double y = softmax ? Math.floorMod(g.nextLong(), 3L) : logistic ? (g.nextGaussian() > 0 ? 1 : 0) : g.nextGaussian();
      e.setLabel(y);
      e.setWeight(0.5 + Math.floorMod(g.nextLong(), 3L) * 0.25);
      b.add(e);
    }
    return b;
  }

  @Test
  void lossAndGradientEqualTheDenseModels() {
    for (Map<String, Object> s : specs()) {
      ModelSpec spec = ModelSpecs.fromSpec(new SpecReader("model", s));
      Model m = spec.newModel(32);
      double[] p = new double[m.numParams()];
      m.init(p, spec.seed());
      Batch b = batch(m, 32, 5);
      double[] dense = new double[m.numParams()];
      double lossDense = m.lossAndGradient(p, b, dense);
      SparseLinear k = new SparseLinear(spec);
      SparseGradient sg = new SparseGradient();
      double loss = k.lossAndGradient(p, b, sg);
      String what = s.get("type") + " " + s.getOrDefault("loss", "");
      assertThat(Math.abs(loss - lossDense)).as(what + " loss").isLessThanOrEqualTo(1e-14 * Math.abs(lossDense));
      double[] sparse = sg.toDense(m.numParams());
      for (int i = 0; i < dense.length; i++) {
        assertThat(Math.abs(sparse[i] - dense[i])).as(what + " grad[" + i + "]")
            .isLessThanOrEqualTo(1e-12 * Math.abs(dense[i]) + 1e-16);
      }
      // Each parameter listed once, and only touched ones: at most (dense + distinct columns) x K + K entries.
      int[] idx = sg.index();
      java.util.Set<Integer> seen = new java.util.HashSet<>();
      for (int q = 0; q < sg.nnz(); q++) {
        assertThat(seen.add(idx[q])).as(what + " duplicate index " + idx[q]).isTrue();
      }
      java.util.Set<Integer> cols = new java.util.HashSet<>();
      for (int q = 0; q < b.nnz(); q++) {
        cols.add(b.colIdx()[q]);
      }
      int kOut = m.outputDim();
      assertThat(sg.nnz()).isEqualTo((DENSE + cols.size()) * kOut + kOut);
    }
  }

  @Test
  void gradientMatchesCentralFiniteDifferences() {
    for (Map<String, Object> s : specs()) {
      ModelSpec spec = ModelSpecs.fromSpec(new SpecReader("model", s));
      Model m = spec.newModel(16);
      double[] p = new double[m.numParams()];
      m.init(p, spec.seed());
      Batch b = batch(m, 16, 9);
      SparseLinear k = new SparseLinear(spec);
      SparseGradient sg = new SparseGradient();
      k.lossAndGradient(p, b, sg);
      int[] idx = sg.index().clone();
      double[] val = sg.value().clone();
      for (int q = 0; q < sg.nnz(); q += 3) {
        int i = idx[q];
        double h = 1e-6;
        double keep = p[i];
        p[i] = keep + h;
        double up = k.lossAndGradient(p, b, new SparseGradient());
        p[i] = keep - h;
        double down = k.lossAndGradient(p, b, new SparseGradient());
        p[i] = keep;
        double fd = (up - down) / (2 * h);
        assertThat(Math.abs(fd - val[q])).as(s.get("type") + " d/dp[" + i + "]")
            .isLessThanOrEqualTo(1e-6 * Math.max(1, Math.abs(val[q])));
      }
    }
  }

  @Test
  void progressiveCountEqualsTheDenseModelsPredictions() {
    for (Map<String, Object> s : specs().subList(0, 2)) {
      ModelSpec spec = ModelSpecs.fromSpec(new SpecReader("model", s));
      Model m = spec.newModel(64);
      double[] p = new double[m.numParams()];
      m.init(p, spec.seed());
      Batch b = batch(m, 64, 13);
      double[] pred = new double[64 * m.outputDim()];
      m.predict(p, new double[0], b, pred);
      int right = 0;
      for (int i = 0; i < 64; i++) {
        int k = m.outputDim();
        int c = 0;
        if (k == 1) {
          c = pred[i] > 0.5 ? 1 : 0;
        } else {
          for (int t = 1; t < k; t++) {
            c = pred[i * k + t] > pred[i * k + c] ? t : c;
          }
        }
        right += c == (int) b.label(i) ? 1 : 0;
      }
      SparseLinear kernel = new SparseLinear(spec);
      kernel.lossAndGradient(p, b, new SparseGradient());
      assertThat(kernel.lastCorrect()).as((String) s.get("type")).isEqualTo(right);
    }
  }

  @Test
  void refusesWhatItCannotComputeExactly() {
    assertThat(SparseLinear.unsupportedReason(ModelSpecs.fromSpec(new SpecReader("model",
        Map.of("type", "mlp", "layers", List.of(4, 3, 1), "head", "logistic"))))).contains("hidden layers");
    assertThat(SparseLinear.unsupportedReason(ModelSpecs.fromSpec(new SpecReader("model",
        spec("logistic", Map.of("l2", 0.01)))))).contains("penalties");
  }

  /** A 2^22-slot model: the kernel's memory is the batch's, and a gradient lists a few hundred entries. */
  @Test
  void hugeHashedModelStepsInBatchSizedMemory() {
    ModelSpec spec = ModelSpecs.fromSpec(new SpecReader("model",
        Map.of("type", "logistic", "features", Map.of("hash_bits", 22), "init", "zeros")));
    Model m = spec.newModel(256);
    double[] p = new double[m.numParams()];
    Batch b = m.newBatch(256);
    Xoshiro256 g = new Xoshiro256(3);
    for (int i = 0; i < 256; i++) {
      Example e = new Example();
      for (int f = 0; f < 20; f++) {
        e.addCategorical("c" + f, Long.toString(Math.floorMod(g.nextLong(), 100_000L)));
      }
      e.setLabel(i % 2);
      e.setWeight(1);
      b.add(e);
    }
    SparseGradient sg = new SparseGradient();
    double loss = new SparseLinear(spec).lossAndGradient(p, b, sg);
    assertThat(loss).isCloseTo(Math.log(2), org.assertj.core.api.Assertions.within(1e-12));
    assertThat(sg.nnz()).isBetween(1000, 256 * 20 + 1);
    assertThat(sg.index().length).isLessThan(4 * 256 * 20 + 2);
  }
}
