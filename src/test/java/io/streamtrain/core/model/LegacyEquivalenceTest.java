package io.streamtrain.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.data.Batch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Refactoring guard: the layered model against a verbatim copy of the monolithic DenseNetwork it replaced, bit for
 * bit (raw long bits), on every family of {@link RandomModels#allSpecs} plus wider stacks that exercise the
 * four-row kernels, over batches of growing and shrinking size on one instance and a short training run.
 */
class LegacyEquivalenceTest {

  static List<Map<String, Object>> specs() {
    List<Map<String, Object>> out = new ArrayList<>(RandomModels.allSpecs());
    Map<String, Object> features = Map.of("dense", 9, "sparse", 5, "hash_bits", 4);
    for (boolean bn : new boolean[] {false, true}) {
      for (double dropout : new double[] {0.0, 0.2}) {
        out.add(RandomModels.spec("type", "mlp", "layers", List.of(9 + 5 + 16, 13, 8, 7, 3), "activation", "tanh",
            "head", "softmax", "batch_norm", bn, "dropout", dropout, "features", features, "l1", 0.01, "l2", 0.05));
      }
    }
    out.add(RandomModels.spec("type", "softmax", "features", features, "classes", 6, "l1", 0.02, "l2", 0.1));
    return out;
  }

  @Test
  void everyOutputIsBitIdenticalToTheMonolith() {
    int checked = 0;
    for (Map<String, Object> specMap : specs()) {
      ModelSpec spec = RandomModels.parse(specMap);
      Model now = spec.newModel();
      Model old = new LegacyDenseNetwork(spec, 1);
      assertThat(now.layout()).isEqualTo(old.layout());
      assertThat(now.bufferLayout()).isEqualTo(old.bufferLayout());
      assertThat(now.hasPerSampleGradients()).isEqualTo(old.hasPerSampleGradients());
      double[] pa = new double[now.numParams()];
      double[] pb = new double[old.numParams()];
      now.init(pa, 42);
      old.init(pb, 42);
      same(specMap + " init", pa, pb);
      double[] ba = new double[now.numBuffers()];
      double[] bb = new double[old.numBuffers()];
      now.initBuffers(ba);
      old.initBuffers(bb);
      same(specMap + " initBuffers", ba, bb);
      Random rnd = new Random(specMap.hashCode());
      for (int n : new int[] {3, 1, 8, 2, 17, 5}) {
        Batch b = RandomModels.batch(rnd, now, n);
        double[] p = RandomModels.params(rnd, now);
        double[] v = RandomModels.gaussian(rnd, p.length, 1.0);
        long step = rnd.nextInt(100);
        now.setDropoutStep(step);
        old.setDropoutStep(step);
        compare(specMap + " n=" + n, now, old, p, v, ba.clone(), b);
        checked++;
      }
      // A short training run: SGD with buffer updates, every step compared.
      for (int step = 0; step < 12; step++) {
        Batch b = RandomModels.batch(rnd, now, 1 + (step * 5) % 11);
        now.setDropoutStep(step);
        old.setDropoutStep(step);
        double[] ga = new double[pa.length];
        double[] gb = new double[pb.length];
        assertThat(Double.doubleToRawLongBits(now.lossAndGradient(pa, b, ga)))
            .isEqualTo(Double.doubleToRawLongBits(old.lossAndGradient(pb, b, gb)));
        for (int j = 0; j < pa.length; j++) {
          pa[j] -= 0.1 * ga[j];
          pb[j] -= 0.1 * gb[j];
        }
        now.updateBuffers(pa, b, ba);
        old.updateBuffers(pb, b, bb);
        same(specMap + " params after step " + step, pa, pb);
        same(specMap + " buffers after step " + step, ba, bb);
      }
    }
    assertThat(checked).isEqualTo(specs().size() * 6);
  }

  private static void compare(String what, Model now, Model old, double[] p, double[] v, double[] buf, Batch b) {
    int np = p.length;
    int n = b.size();
    double[] ga = new double[np];
    double[] gb = new double[np];
    same(what + " lossAndGradient", new double[] {now.lossAndGradient(p, b, ga)},
        new double[] {old.lossAndGradient(p, b, gb)});
    same(what + " grad", ga, gb);
    same(what + " loss", new double[] {now.loss(p, b)}, new double[] {old.loss(p, b)});
    double[] ha = new double[np];
    double[] hb = new double[np];
    now.hessianVectorProduct(p, b, v, ha);
    old.hessianVectorProduct(p, b, v, hb);
    same(what + " hvp", ha, hb);
    double[] bufA = buf.clone();
    double[] bufB = buf.clone();
    now.updateBuffers(p, b, bufA);
    old.updateBuffers(p, b, bufB);
    same(what + " updateBuffers", bufA, bufB);
    double[] oa = new double[n * now.outputDim()];
    double[] ob = new double[n * old.outputDim()];
    now.predict(p, bufA, b, oa);
    old.predict(p, bufB, b, ob);
    same(what + " predict", oa, ob);
    same(what + " evalLoss", new double[] {now.evalLoss(p, bufA, b)}, new double[] {old.evalLoss(p, bufB, b)});
    if (now.hasPerSampleGradients()) {
      double[] sa = new double[n];
      double[] sb = new double[n];
      now.perSampleGradSquaredNorms(p, b, sa);
      old.perSampleGradSquaredNorms(p, b, sb);
      same(what + " perSample", sa, sb);
    }
  }

  private static void same(String what, double[] a, double[] b) {
    long[] la = Arrays.stream(a).mapToLong(Double::doubleToRawLongBits).toArray();
    long[] lb = Arrays.stream(b).mapToLong(Double::doubleToRawLongBits).toArray();
    assertThat(la).as(what).containsExactly(lb);
  }
}
