package io.streamtrain.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.loss.LogisticLoss;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Linear, logistic and softmax models against closed forms: the Hessian X~^T D X~ / n (X~ = inputs with a
 * constant 1 for the bias, D the per-sample second derivative times the weight; Kronecker with diag(p) - p p^T
 * for softmax), per-sample gradient norms, and losses for logits of magnitude 1e4.
 */
class ClosedFormTest {

  /** Dense copy of the batch's rows including the CSR part, plus a trailing 1 for the bias. */
  static double[][] design(Batch b) {
    int d = b.space().inputDim();
    double[][] x = new double[b.size()][d + 1];
    for (int i = 0; i < b.size(); i++) {
      for (int j = 0; j < b.denseDim(); j++) {
        x[i][j] = b.dense()[i * b.denseDim() + j];
      }
      for (int q = b.rowPtr()[i]; q < b.rowPtr()[i + 1]; q++) {
        x[i][b.colIdx()[q]] += b.colVal()[q];
      }
      x[i][d] = 1.0;
    }
    return x;
  }

  @Test
  void binaryAndRegressionHessiansAreXtDXOverN() {
    Map<String, Object> features = Map.of("dense", 3, "sparse", 4, "hash_bits", 3);
    for (Map<String, Object> s : new Map[] {
        RandomModels.spec("type", "linear", "features", features, "l2", 0.3),
        RandomModels.spec("type", "linear", "features", features, "loss", "huber", "delta", 0.8),
        RandomModels.spec("type", "logistic", "features", features, "l1", 0.1, "l2", 0.2)}) {
      Random rnd = new Random(7);
      Model m = RandomModels.parse(s).newModel();
      Batch b = RandomModels.batch(rnd, m, 9);
      double[] p = RandomModels.params(rnd, m);
      double[][] x = design(b);
      int np = m.numParams();
      assertThat(np).isEqualTo(x[0].length);
      double l2 = s.containsKey("l2") ? ((Number) s.get("l2")).doubleValue() : 0.0;
      double[] dvals = new double[b.size()];
      for (int i = 0; i < b.size(); i++) {
        double z = 0;
        for (int j = 0; j < np; j++) {
          z += p[j] * x[i][j];
        }
        double y = b.label(i);
        double d2;
        if (s.get("type").equals("logistic")) {
          double sg = LogisticLoss.sigmoid(z);
          d2 = sg * (1 - sg);
        } else if ("huber".equals(s.get("loss"))) {
          d2 = Math.abs(z - y) <= 0.8 ? 1.0 : 0.0;
        } else {
          d2 = 2.0;
        }
        dvals[i] = b.weight(i) * d2;
      }
      double[] e = new double[np];
      double[] col = new double[np];
      for (int c = 0; c < np; c++) {
        e[c] = 1.0;
        m.hessianVectorProduct(p, b, e, col);
        e[c] = 0.0;
        for (int r = 0; r < np; r++) {
          double h = 0;
          for (int i = 0; i < b.size(); i++) {
            h += x[i][r] * dvals[i] * x[i][c];
          }
          h /= b.size();
          if (r == c && r < np - 1) {
            h += l2;
          }
          assertThat(col[r]).as("%s H[%d][%d]", s.get("type"), r, c).isCloseTo(h, within(1e-12 * (1 + Math.abs(h))));
        }
      }
    }
  }

  @Test
  void softmaxHessianIsKroneckerOfSoftmaxJacobianAndXXt() {
    Random rnd = new Random(11);
    Model m = RandomModels.parse(RandomModels.spec("type", "softmax", "classes", 3,
        "features", Map.of("dense", 2, "hash_bits", 2))).newModel();
    Batch b = RandomModels.batch(rnd, m, 6);
    double[] p = RandomModels.params(rnd, m);
    double[][] x = design(b);
    int d = x[0].length - 1;
    int k = 3;
    int np = m.numParams();
    // Index of W[c][j] is c*d + j; of bias[c] is k*d + c.
    double[][] hess = new double[np][np];
    for (int i = 0; i < b.size(); i++) {
      double[] z = new double[k];
      for (int c = 0; c < k; c++) {
        z[c] = p[k * d + c];
        for (int j = 0; j < d; j++) {
          z[c] += p[c * d + j] * x[i][j];
        }
      }
      double mx = Math.max(z[0], Math.max(z[1], z[2]));
      double sum = 0;
      double[] pr = new double[k];
      for (int c = 0; c < k; c++) {
        pr[c] = Math.exp(z[c] - mx);
        sum += pr[c];
      }
      for (int c = 0; c < k; c++) {
        pr[c] /= sum;
      }
      for (int c1 = 0; c1 < k; c1++) {
        for (int c2 = 0; c2 < k; c2++) {
          double s = (c1 == c2 ? pr[c1] : 0) - pr[c1] * pr[c2];
          for (int j1 = 0; j1 <= d; j1++) {
            for (int j2 = 0; j2 <= d; j2++) {
              int a = j1 == d ? k * d + c1 : c1 * d + j1;
              int bb = j2 == d ? k * d + c2 : c2 * d + j2;
              hess[a][bb] += b.weight(i) * s * x[i][j1] * x[i][j2] / b.size();
            }
          }
        }
      }
    }
    double[] e = new double[np];
    double[] col = new double[np];
    for (int c = 0; c < np; c++) {
      e[c] = 1.0;
      m.hessianVectorProduct(p, b, e, col);
      e[c] = 0.0;
      for (int r = 0; r < np; r++) {
        assertThat(col[r]).isCloseTo(hess[r][c], within(1e-12 * (1 + Math.abs(hess[r][c]))));
      }
    }
  }

  @Test
  void perSampleGradientNormsEqualSingleRowGradients() {
    for (Map<String, Object> s : RandomModels.allSpecs()) {
      Map<String, Object> spec = new java.util.LinkedHashMap<>(s);
      spec.remove("l1");
      spec.remove("l2");
      if (Boolean.TRUE.equals(spec.get("batch_norm")) || ((Number) spec.getOrDefault("dropout", 0.0)).doubleValue() > 0) {
        Model m = RandomModels.parse(spec).newModel();
        if (Boolean.TRUE.equals(spec.get("batch_norm"))) {
          assertThat(m.hasPerSampleGradients()).isFalse();
        }
        continue;
      }
      Random rnd = new Random(3);
      Model m = RandomModels.parse(spec).newModel();
      assertThat(m.hasPerSampleGradients()).isTrue();
      Batch b = RandomModels.batch(rnd, m, 5);
      double[] p = RandomModels.params(rnd, m);
      double[] norms = new double[5];
      m.perSampleGradSquaredNorms(p, b, norms);
      double[] g = new double[m.numParams()];
      double[] mean = new double[m.numParams()];
      for (int i = 0; i < 5; i++) {
        m.lossAndGradient(p, rowBatch(m, b, i), g);
        double sq = 0;
        for (int j = 0; j < g.length; j++) {
          sq += g[j] * g[j];
          mean[j] += g[j] / 5;
        }
        assertThat(norms[i]).as("%s row %d", spec, i).isCloseTo(sq, within(1e-12 * (1 + sq)));
      }
      double[] full = new double[m.numParams()];
      m.lossAndGradient(p, b, full);
      TestData.assertClose("mean of per-sample gradients", full, mean, 1e-10, 1e-3);
    }
  }

  /** A one-row batch with exactly row i of {@code b} (dense and CSR entries copied via sparse pairs). */
  static Batch rowBatch(Model m, Batch b, int i) {
    var fs = m.featureSpace();
    // Columns past the dense block are re-expressed as sparse pairs of a space without hashing but as wide.
    var flatSpace = io.streamtrain.core.feature.FeatureSpace.of(fs.denseDim(), fs.sparseDim() + fs.hashSize(), 0)
        .withTarget(fs.target(), fs.classes());
    Batch out = new Batch(flatSpace, 1);
    Example e = new Example();
    for (int j = 0; j < b.denseDim(); j++) {
      e.addDense(b.dense()[i * b.denseDim() + j]);
    }
    for (int q = b.rowPtr()[i]; q < b.rowPtr()[i + 1]; q++) {
      e.addSparse(b.colIdx()[q] - fs.sparseOffset(), b.colVal()[q]);
    }
    e.setLabel(b.label(i)).setWeight(b.weight(i));
    out.add(e);
    return out;
  }

  @Test
  void logisticAndSoftmaxStayFiniteAndExactForLogitsOfMagnitude1e4() {
    assertThat(LogisticLoss.value(1e4, 0)).isEqualTo(1e4);
    assertThat(LogisticLoss.value(1e4, 1)).isEqualTo(0.0);
    assertThat(LogisticLoss.value(-1e4, 1)).isEqualTo(1e4);
    assertThat(LogisticLoss.value(-1e4, 0)).isEqualTo(0.0);
    Model lg = RandomModels.parse(RandomModels.spec("type", "logistic", "features", Map.of("dense", 1))).newModel();
    double[] p = {1e4, 0.0};
    double[] g = new double[2];
    double[][] x = {{1.0}, {-1.0}, {1.0}, {-1.0}};
    double[] y = {0, 1, 1, 0};
    Batch b = TestData.denseBatch(lg, x, y, null);
    // Rows 1 and 2 are confidently wrong (loss 1e4 each), rows 3 and 4 right (loss 0): mean 5e3.
    assertThat(lg.lossAndGradient(p, b, g)).isEqualTo(5e3);
    // d/dw = mean((sigmoid(z) - y) x) = (1 + 1 + 0 + 0) / 4; d/db = (1 - 1 + 0 + 0) / 4.
    assertThat(g).containsExactly(0.5, 0.0);
    double[] hv = new double[2];
    lg.hessianVectorProduct(p, b, new double[] {1, 1}, hv);
    assertThat(hv).containsExactly(0.0, 0.0);

    Model sm = RandomModels.parse(RandomModels.spec("type", "softmax", "classes", 3, "features", Map.of("dense", 1)))
        .newModel();
    // Logits [1e4, -1e4, 0] from weight [1e4, -1e4, 0] on x = 1, zero bias.
    double[] ps = {1e4, -1e4, 0, 0, 0, 0};
    double[] gs = new double[6];
    for (int c = 0; c < 3; c++) {
      Batch one = TestData.denseBatch(sm, new double[][] {{1.0}}, new double[] {c}, null);
      double loss = sm.lossAndGradient(ps, one, gs);
      assertThat(loss).isEqualTo(new double[] {0.0, 2e4, 1e4}[c]);
      for (double v : gs) {
        assertThat(v).isFinite();
      }
      double[] pr = new double[3];
      sm.predict(ps, new double[0], one, pr);
      assertThat(pr).containsExactly(1.0, 0.0, 0.0);
    }
  }
}
