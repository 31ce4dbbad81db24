package io.streamtrain.core.init;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.core.SpecException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Initializers against torch.nn.init's formulas: bounds and moments of large draws (fan conventions and gains),
 * orthogonality, reproducibility from the seed, and the SplitMix64 reference stream.
 */
class InitializerTest {
  static final int ROWS = 300;
  static final int COLS = 200;

  static double[] draw(Initializer init, int rows, int cols, long seed) {
    double[] a = new double[rows * cols];
    init.fill(a, 0, rows, cols, cols, rows, new SplitMix64(seed));
    return a;
  }

  static double mean(double[] a) {
    double s = 0;
    for (double v : a) {
      s += v;
    }
    return s / a.length;
  }

  static double var(double[] a) {
    double m = mean(a);
    double s = 0;
    for (double v : a) {
      s += (v - m) * (v - m);
    }
    return s / a.length;
  }

  static double maxAbs(double[] a) {
    double m = 0;
    for (double v : a) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  @Test
  void splitMix64MatchesTheReferenceStream() {
    // First outputs of Vigna's splitmix64.c seeded with 1234567.
    SplitMix64 r = new SplitMix64(1234567);
    assertThat(r.nextLong()).isEqualTo(6457827717110365317L);
    assertThat(r.nextLong()).isEqualTo(3203168211198807973L);
    assertThat(r.nextLong()).isEqualTo(-8629252141511181193L);
  }

  @Test
  void standardNormalHasUnitMoments() {
    SplitMix64 r = new SplitMix64(5);
    double[] a = new double[200_000];
    for (int i = 0; i < a.length; i++) {
      a[i] = r.nextGaussian();
    }
    assertThat(mean(a)).isCloseTo(0, within(0.01));
    assertThat(var(a)).isCloseTo(1, within(0.01));
  }

  @Test
  void xavierAndKaimingUseTorchFansAndGains() {
    int fanIn = COLS;
    int fanOut = ROWS;
    double[] xu = draw(Initializer.xavierUniform(2.0), ROWS, COLS, 1);
    double bound = 2.0 * Math.sqrt(6.0 / (fanIn + fanOut));
    assertThat(maxAbs(xu)).isLessThanOrEqualTo(bound).isGreaterThan(0.99 * bound);
    assertThat(var(xu)).isCloseTo(bound * bound / 3, within(0.03 * bound * bound / 3));
    double[] xn = draw(Initializer.xavierNormal(1.0), ROWS, COLS, 2);
    assertThat(var(xn)).isCloseTo(2.0 / (fanIn + fanOut), within(0.03 * 2.0 / (fanIn + fanOut)));
    double[] ku = draw(Initializer.kaimingUniform(0, false, "relu"), ROWS, COLS, 3);
    double kb = Math.sqrt(2.0) * Math.sqrt(3.0 / fanIn);
    assertThat(maxAbs(ku)).isLessThanOrEqualTo(kb).isGreaterThan(0.99 * kb);
    double[] kn = draw(Initializer.kaimingNormal(0, true, "tanh"), ROWS, COLS, 4);
    double ks = 5.0 / 3.0 / Math.sqrt(fanOut);
    assertThat(var(kn)).isCloseTo(ks * ks, within(0.03 * ks * ks));
    double[] leaky = draw(Initializer.kaimingNormal(0.2, false, "leaky_relu"), ROWS, COLS, 5);
    double ls = Math.sqrt(2.0 / (1 + 0.04)) / Math.sqrt(fanIn);
    assertThat(var(leaky)).isCloseTo(ls * ls, within(0.03 * ls * ls));
    double[] td = draw(Initializer.torchDefault(), ROWS, COLS, 6);
    assertThat(maxAbs(td)).isLessThanOrEqualTo(1.0 / Math.sqrt(fanIn)).isGreaterThan(0.99 / Math.sqrt(fanIn));
    assertThat(Initializer.gain("sigmoid", 0)).isEqualTo(1.0);
    assertThat(Initializer.gain("selu", 0)).isEqualTo(0.75);
  }

  @Test
  void simpleDistributions() {
    assertThat(draw(Initializer.zeros(), 3, 4, 1)).containsOnly(0.0);
    assertThat(draw(Initializer.constant(0.25), 3, 4, 1)).containsOnly(0.25);
    double[] u = draw(Initializer.uniform(-1, 3), ROWS, COLS, 1);
    assertThat(java.util.Arrays.stream(u).allMatch(v -> v >= -1 && v < 3)).isTrue();
    assertThat(mean(u)).isCloseTo(1.0, within(0.02));
    double[] n = draw(Initializer.normal(2, 0.5), ROWS, COLS, 1);
    assertThat(mean(n)).isCloseTo(2.0, within(0.01));
    assertThat(var(n)).isCloseTo(0.25, within(0.01));
  }

  @Test
  void orthogonalRowsOrColumnsAreOrthonormalTimesGain() {
    for (int[] shape : new int[][] {{8, 5}, {5, 8}, {6, 6}}) {
      int r = shape[0];
      int c = shape[1];
      double[] w = draw(Initializer.orthogonal(1.5), r, c, 9);
      boolean tall = r >= c;
      int k = tall ? c : r;
      for (int i = 0; i < k; i++) {
        for (int j = 0; j < k; j++) {
          double dot = 0;
          for (int t = 0; t < (tall ? r : c); t++) {
            dot += tall ? w[t * c + i] * w[t * c + j] : w[i * c + t] * w[j * c + t];
          }
          assertThat(dot).isCloseTo(i == j ? 2.25 : 0.0, within(1e-12));
        }
      }
    }
  }

  @Test
  void sameSeedSameValuesOtherSeedOtherValues() {
    for (Initializer init : new Initializer[] {Initializer.xavierUniform(1), Initializer.kaimingNormal(0, false, "relu"),
        Initializer.orthogonal(1), Initializer.normal(0, 1), Initializer.torchDefault()}) {
      assertThat(draw(init, 7, 5, 42)).containsExactly(draw(init, 7, 5, 42));
      assertThat(draw(init, 7, 5, 42)).isNotEqualTo(draw(init, 7, 5, 43));
    }
  }

  @Test
  void specParsingAndErrors() {
    InitSpec s = InitSpec.fromSpec("init", "xavier_normal", InitSpec.zeros());
    assertThat(s.weights().kind()).isEqualTo(Initializer.Kind.XAVIER_NORMAL);
    assertThat(s.bias().kind()).isEqualTo(Initializer.Kind.ZEROS);
    InitSpec t = InitSpec.fromSpec("init", Map.of("weights", Map.of("type", "kaiming_uniform", "nonlinearity", "relu"),
        "bias", Map.of("type", "constant", "value", 0.1)), InitSpec.zeros());
    assertThat(t.weights().kind()).isEqualTo(Initializer.Kind.KAIMING_UNIFORM);
    assertThat(t.bias().kind()).isEqualTo(Initializer.Kind.CONSTANT);
    assertThatThrownBy(() -> InitSpec.fromSpec("model.init", "glorot", InitSpec.zeros()))
        .isInstanceOf(SpecException.class).hasMessageContaining("model.init").hasMessageContaining("\"glorot\"")
        .hasMessageContaining("xavier_uniform");
    assertThatThrownBy(() -> InitSpec.fromSpec("init", Map.of("bias", "orthogonal"), InitSpec.zeros()))
        .isInstanceOf(SpecException.class).hasMessageContaining("init.bias").hasMessageContaining("orthogonal");
    assertThatThrownBy(() -> InitSpec.fromSpec("init", Map.of("weights", Map.of("type", "kaiming_normal", "mode", "fan")),
        InitSpec.zeros()))
        .isInstanceOf(SpecException.class).hasMessageContaining("init.weights.mode").hasMessageContaining("fan_out");
    assertThatThrownBy(() -> InitSpec.fromSpec("init", Map.of("weights", Map.of("type", "uniform", "low", 1, "high", 0)),
        InitSpec.zeros()))
        .isInstanceOf(SpecException.class).hasMessageContaining("init.weights.high");
  }
}
