package io.streamtrain.core.optim;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.SpecReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of the transforms (jqwik): the empty chain is the identity; clipping never increases the norm;
 * saving and restoring the optimizer state mid-trajectory continues bit-identically; element-wise chains are
 * separable (the fused block loop gives bit-for-bit what one optimizer per element gives).
 */
class OptimizerProperties {

  @Property(tries = 200)
  void emptyChainIsIdentity(@ForAll @IntRange(min = 0, max = 5000) int n, @ForAll long seed) {
    double[] g = randomVector(n, seed, 1.0);
    double[] p = randomVector(n, seed + 1, 1.0);
    double[] g0 = g.clone();
    double[] p0 = p.clone();
    Chain empty = Transforms.chain();
    ChainState st = empty.init(n);
    assertThat(Chain.update(g, st, p)).isTrue();
    assertThat(bits(g)).isEqualTo(bits(g0));
    assertThat(bits(p)).isEqualTo(bits(p0));
    assertThat(Chain.step(g, st, p)).isTrue();
    for (int i = 0; i < n; i++) {
      assertThat(Double.doubleToRawLongBits(p[i])).isEqualTo(Double.doubleToRawLongBits(p0[i] + g0[i]));
    }
  }

  @Property(tries = 300)
  void normClippingNeverIncreasesTheNorm(
      @ForAll("splits") int[] split,
      @ForAll long seed,
      @ForAll("scales") double scale,
      @ForAll("maxNorms") double maxNorm,
      @ForAll boolean inf) {
    int n = sum(split);
    double normType = inf ? Double.POSITIVE_INFINITY : 2.0;
    double[] g = randomVector(n, seed, scale);
    double before = ClipByGlobalNorm.totalNorm(g, split, normType);
    ChainState st = Transforms.chain(Transforms.clipByGlobalNorm(maxNorm, normType, split)).init(n);
    Chain.update(g, st, null);
    double after = ClipByGlobalNorm.totalNorm(g, split, normType);
    assertThat(st.find(ClipByGlobalNorm.State.class).totalNorm()).isEqualTo(before);
    assertThat(after).isLessThanOrEqualTo(before);
    assertThat(after).isLessThanOrEqualTo(Math.max(maxNorm, 0) * (1 + 1e-12) + 0.0);
  }

  @Property(tries = 200)
  void valueClippingNeverIncreasesTheNorm(
      @ForAll("splits") int[] split, @ForAll long seed, @ForAll("scales") double scale, @ForAll("maxNorms") double c) {
    int n = sum(split);
    double[] g = randomVector(n, seed, scale);
    double[] g0 = g.clone();
    Chain.update(g, Transforms.chain(Transforms.clipByValue(c)).init(n), null);
    assertThat(ClipByGlobalNorm.totalNorm(g, split, 2.0)).isLessThanOrEqualTo(ClipByGlobalNorm.totalNorm(g0, split, 2.0));
    for (int i = 0; i < n; i++) {
      assertThat(Math.abs(g[i])).isLessThanOrEqualTo(Math.min(Math.abs(g0[i]), c));
    }
  }

  @Property(tries = 60)
  void stateRestoreMidTrajectoryContinuesBitIdentically(
      @ForAll("specs") Map<String, Object> spec,
      @ForAll("splits") int[] split,
      @ForAll boolean clip,
      @ForAll @IntRange(min = 0, max = 12) int before,
      @ForAll @IntRange(min = 1, max = 12) int after,
      @ForAll long seed)
      throws IOException {
    OptimizerSpec os = Optimizers.fromSpec(new SpecReader("optimizer", spec));
    if (clip) {
      os = os.withClipping(Clipping.norm(1.0, 2.0));
    }
    int n = sum(split);
    Optimizer straight = os.create(split);
    Optimizer first = os.create(split);
    double[] p = randomVector(n, seed, 1.0);
    double[] q = p.clone();
    SplittableRandom rnd = new SplittableRandom(seed);
    double[][] grads = new double[before + after][];
    for (int t = 0; t < grads.length; t++) {
      grads[t] = randomVector(n, rnd.nextLong(), t % 5 == 3 ? 1e6 : 1.0);
    }
    for (int t = 0; t < before; t++) {
      scheduleKnobs(straight, t);
      scheduleKnobs(first, t);
      straight.step(p, grads[t].clone());
      first.step(q, grads[t].clone());
    }
    byte[] saved = save(first);
    Optimizer resumed = os.create(split);
    resumed.readState(new DataInputStream(new ByteArrayInputStream(saved)));
    assertThat(save(resumed)).isEqualTo(saved);
    assertThat(resumed.stepCount()).isEqualTo(first.stepCount());
    for (int t = before; t < before + after; t++) {
      scheduleKnobs(straight, t);
      scheduleKnobs(resumed, t);
      straight.step(p, grads[t].clone());
      resumed.step(q, grads[t].clone());
    }
    assertThat(bits(q)).isEqualTo(bits(p));
    assertThat(save(resumed)).isEqualTo(save(straight));
  }

  @Property(tries = 40)
  void elementWiseChainsAreSeparable(
      @ForAll("specs") Map<String, Object> spec, @ForAll @IntRange(min = 1, max = 3 * Chain.BLOCK + 50) int n,
      @ForAll long seed) {
    OptimizerSpec os = Optimizers.fromSpec(new SpecReader("optimizer", spec));
    Optimizer whole = os.create(n);
    Optimizer[] single = new Optimizer[n];
    for (int i = 0; i < n; i++) {
      single[i] = os.create(1);
    }
    double[] p = randomVector(n, seed, 1.0);
    double[] q = p.clone();
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] one = new double[1];
    double[] pg = new double[1];
    for (int t = 0; t < 4; t++) {
      double[] g = randomVector(n, rnd.nextLong(), 1.0);
      whole.step(p, g.clone());
      for (int i = 0; i < n; i++) {
        one[0] = q[i];
        pg[0] = g[i];
        single[i].step(one, pg);
        q[i] = one[0];
      }
    }
    assertThat(bits(p)).isEqualTo(bits(q));
  }

  /** Changes lr and momentum along the way, so restored mutable hyperparameters matter. */
  private static void scheduleKnobs(Optimizer o, int t) {
    o.setLr(o.lr() * (t % 2 == 0 ? 0.9 : 1.05));
    if (o.hasMomentum() && t % 3 == 1) {
      o.setMomentum(0.5 + 0.05 * (t % 7));
    }
  }

  private static byte[] save(Optimizer o) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    o.writeState(new DataOutputStream(bos));
    return bos.toByteArray();
  }

  @Provide
  Arbitrary<int[]> splits() {
    return Arbitraries.integers().between(0, 3000).array(int[].class).ofMinSize(1).ofMaxSize(5);
  }

  @Provide
  Arbitrary<Double> scales() {
    return Arbitraries.of(1e-8, 1e-3, 0.1, 1.0, 10.0, 1e6, 1e100);
  }

  @Provide
  Arbitrary<Double> maxNorms() {
    return Arbitraries.of(1e-6, 0.1, 1.0, 5.0, 1e3);
  }

  @Provide
  Arbitrary<Map<String, Object>> specs() {
    Arbitrary<Double> lr = Arbitraries.of(1e-3, 0.01, 0.1);
    Arbitrary<Double> wd = Arbitraries.of(0.0, 0.01, 0.1);
    Arbitrary<Double> mom = Arbitraries.of(0.0, 0.5, 0.9);
    Arbitrary<Boolean> flag = Arbitraries.of(true, false);
    Arbitrary<Map<String, Object>> sgd =
        Combinators.combine(lr, wd, mom, Arbitraries.of(0.0, 0.3), flag)
            .as((l, w, m, d, nest) -> map("type", "sgd", "lr", l, "weight_decay", w, "momentum", m,
                "dampening", nest && m > 0 ? 0.0 : d, "nesterov", nest && m > 0));
    Arbitrary<Map<String, Object>> adagrad =
        Combinators.combine(lr, wd, Arbitraries.of(0.0, 0.05), Arbitraries.of(0.0, 0.1))
            .as((l, w, d, a) -> map("type", "adagrad", "lr", l, "weight_decay", w, "lr_decay", d,
                "initial_accumulator_value", a));
    Arbitrary<Map<String, Object>> rmsprop =
        Combinators.combine(lr, wd, mom, flag)
            .as((l, w, m, c) -> map("type", "rmsprop", "lr", l, "weight_decay", w, "momentum", m, "centered", c));
    Arbitrary<Map<String, Object>> adam =
        Combinators.combine(Arbitraries.of("adam", "adamw"), lr, wd, flag)
            .as((t, l, w, a) -> map("type", t, "lr", l, "weight_decay", w, "amsgrad", a));
    return Arbitraries.oneOf(sgd, adagrad, rmsprop, adam);
  }

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static double[] randomVector(int n, long seed, double scale) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = (r.nextDouble() * 2 - 1) * scale;
    }
    return v;
  }

  static long[] bits(double[] v) {
    long[] b = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = Double.doubleToRawLongBits(v[i]);
    }
    return b;
  }

  private static int sum(int[] a) {
    int s = 0;
    for (int x : a) {
      s += x;
    }
    return s;
  }
}
