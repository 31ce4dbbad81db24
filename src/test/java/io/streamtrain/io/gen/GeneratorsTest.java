package io.streamtrain.io.gen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.core.SpecException;
import io.streamtrain.io.MutableSample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Seeded reproducibility, the drift each generator promises, and parameter validation. */
class GeneratorsTest {

  static List<String> take(SampleGenerator g, int n) {
    List<String> out = new ArrayList<>();
    MutableSample s = new MutableSample();
    for (int i = 0; i < n; i++) {
      g.next(s);
      out.add(s.toAvro().toString());
    }
    return out;
  }

  @Test
  void everyGeneratorIsReproducibleFromItsSeedAndDiffersAcrossSeeds() {
    for (String name : Generators.NAMES) {
      List<String> a = take(Generators.create(name, Map.of(), 5), 300);
      List<String> b = take(Generators.create(name, Map.of(), 5), 300);
      List<String> c = take(Generators.create(name, Map.of(), 6), 300);
      assertThat(a).as(name).isEqualTo(b);
      assertThat(a).as(name).isNotEqualTo(c);
    }
  }

  @Test
  void eventTimesAreDeterministic() {
    SampleGenerator g = Generators.create("sea", Map.of("start_time", 1000L, "time_step_ms", 10L), 1);
    MutableSample s = new MutableSample();
    g.next(s);
    assertThat(s.eventTime).isEqualTo(1000);
    g.next(s);
    assertThat(s.eventTime).isEqualTo(1010);
    assertThat(g.index()).isEqualTo(2);
  }

  @Test
  void hyperplaneWeightsRotateAtTheGivenSpeedAndLabelsFollowTheCurrentConcept() {
    RotatingHyperplaneGenerator g = new RotatingHyperplaneGenerator(5, 2, 0.01, 0.0, 0.0, 3, 0, 1);
    double[] w0 = g.weights();
    MutableSample s = new MutableSample();
    for (int i = 0; i < 100; i++) {
      double[] w = g.weights();
      g.next(s);
      double dot = 0;
      double sum = 0;
      for (int j = 0; j < 5; j++) {
        dot += w[j] * s.dense[j];
        sum += w[j];
        assertThat(s.dense[j]).isBetween(0.0, 1.0);
      }
      assertThat(s.labelValue()).as("noise-free label of sample %d", i).isEqualTo(dot >= 0.5 * sum);
    }
    double[] w1 = g.weights();
    // Without reversals each drifting weight moved 100 * 0.01 = 1.0 in a fixed direction; the others stayed.
    assertThat(Math.abs(w1[0] - w0[0])).isCloseTo(1.0, within(1e-9));
    assertThat(Math.abs(w1[1] - w0[1])).isCloseTo(1.0, within(1e-9));
    for (int j = 2; j < 5; j++) {
      assertThat(w1[j]).isEqualTo(w0[j]);
    }
  }

  @Test
  void hyperplaneNoiseFlipsAboutTheGivenFractionOfLabels() {
    RotatingHyperplaneGenerator clean = new RotatingHyperplaneGenerator(4, 0, 0, 0.0, 0, 9, 0, 1);
    RotatingHyperplaneGenerator noisy = new RotatingHyperplaneGenerator(4, 0, 0, 0.2, 0, 9, 0, 1);
    double[] w = clean.weights();
    double sum = w[0] + w[1] + w[2] + w[3];
    MutableSample s = new MutableSample();
    int flipped = 0;
    int n = 20_000;
    for (int i = 0; i < n; i++) {
      noisy.next(s);
      double dot = 0;
      for (int j = 0; j < 4; j++) {
        dot += w[j] * s.dense[j];
      }
      if (!s.labelValue().equals(dot >= 0.5 * sum)) {
        flipped++;
      }
    }
    assertThat(flipped / (double) n).isCloseTo(0.2, within(0.015));
  }

  @Test
  void seaSwitchesConceptExactlyEveryPeriod() {
    SeaGenerator g = new SeaGenerator(1000, 0.0, 4, 0, 1);
    MutableSample s = new MutableSample();
    int[] mismatchesUnderConcept0 = new int[4];
    for (int i = 0; i < 4000; i++) {
      assertThat(g.conceptAt(i)).isEqualTo(i / 1000);
      g.next(s);
      double x12 = s.dense[0] + s.dense[1];
      assertThat(s.labelValue()).as("sample %d", i).isEqualTo(x12 <= SeaGenerator.THRESHOLDS[i / 1000]);
      if (!s.labelValue().equals(x12 <= SeaGenerator.THRESHOLDS[0])) {
        mismatchesUnderConcept0[i / 1000]++;
      }
    }
    assertThat(g.conceptAt(4000)).as("cycles back to the first concept").isZero();
    // The drift is real: the old concept explains block 0 perfectly and mislabels some of every later block.
    assertThat(mismatchesUnderConcept0[0]).isZero();
    assertThat(mismatchesUnderConcept0[1]).isPositive();
    assertThat(mismatchesUnderConcept0[2]).isPositive();
    assertThat(mismatchesUnderConcept0[3]).isPositive();
  }

  @Test
  void rbfCentroidsMoveStayInTheCubeAndLabelsAreClassIndexes() {
    RandomRbfGenerator g = new RandomRbfGenerator(3, 4, 10, 5, 0.01, 2, 0, 1);
    double[] moving0 = g.centre(0);
    double[] still0 = g.centre(9);
    MutableSample s = new MutableSample();
    for (int i = 0; i < 500; i++) {
      g.next(s);
      assertThat((Integer) s.labelValue()).isBetween(0, 3);
      assertThat(s.denseSize).isEqualTo(3);
      for (int c = 0; c < 10; c++) {
        for (double v : g.centre(c)) {
          assertThat(v).isBetween(0.0, 1.0);
        }
      }
    }
    double moved = 0;
    for (int j = 0; j < 3; j++) {
      moved += Math.abs(g.centre(0)[j] - moving0[j]);
    }
    assertThat(moved).isPositive();
    assertThat(g.centre(9)).containsExactly(still0);
  }

  @Test
  void theLinearStreamIsSeparableWithItsMargin() {
    SeparableLinearGenerator g = new SeparableLinearGenerator(6, 0.2, 8, 0, 1);
    double[] w = g.normal();
    MutableSample s = new MutableSample();
    int positives = 0;
    for (int i = 0; i < 5000; i++) {
      g.next(s);
      double dot = 0;
      for (int j = 0; j < 6; j++) {
        dot += w[j] * s.dense[j];
      }
      assertThat(Math.abs(dot)).isGreaterThanOrEqualTo(0.2);
      assertThat(s.labelValue()).isEqualTo(dot > 0);
      positives += dot > 0 ? 1 : 0;
    }
    assertThat(positives / 5000.0).isCloseTo(0.5, within(0.05));
  }

  @Test
  void circlesLieOnTheirRadiiAndNoLinearRuleSeparatesThem() {
    ConcentricCirclesGenerator g = new ConcentricCirclesGenerator(0.5, 0.0, 1, 0, 1);
    MutableSample s = new MutableSample();
    int n = 4000;
    double[][] x = new double[n][];
    boolean[] y = new boolean[n];
    for (int i = 0; i < n; i++) {
      g.next(s);
      double r = Math.hypot(s.dense[0], s.dense[1]);
      boolean inner = (Boolean) s.labelValue();
      assertThat(r).isCloseTo(inner ? 0.5 : 1.0, within(1e-12));
      x[i] = new double[] {s.dense[0], s.dense[1]};
      y[i] = inner;
    }
    // The best of many linear rules through random directions and offsets stays near chance.
    double best = 0;
    java.util.SplittableRandom r = new java.util.SplittableRandom(3);
    for (int k = 0; k < 500; k++) {
      double a = r.nextDouble() * 2 * Math.PI;
      double b = r.nextDouble() * 2 - 1;
      int correct = 0;
      for (int i = 0; i < n; i++) {
        boolean pred = Math.cos(a) * x[i][0] + Math.sin(a) * x[i][1] > b;
        correct += pred == y[i] ? 1 : 0;
      }
      best = Math.max(best, Math.max(correct, n - correct) / (double) n);
    }
    assertThat(best).isLessThan(0.70);
  }

  @Test
  void parametersAreValidated() {
    assertThatThrownBy(() -> Generators.create("hyperplane", Map.of("speeed", 1), 1))
        .isInstanceOf(SpecException.class)
        .hasMessageContaining("--param.speeed: unknown key");
    assertThatThrownBy(() -> Generators.create("sea", Map.of("noise", 1.5), 1))
        .isInstanceOf(SpecException.class)
        .hasMessage("--param.noise: 1.5 is not allowed; allowed: a number in [0, 1]");
    assertThatThrownBy(() -> Generators.create("sea", Map.of("period", 0), 1))
        .hasMessageContaining("--param.period: 0 is not allowed");
    assertThatThrownBy(() -> Generators.create("agrawal", Map.of(), 1))
        .isInstanceOf(SpecException.class)
        .hasMessage("--generator: \"agrawal\" is not allowed; allowed: one of [hyperplane, sea, rbf, linear, circles]");
  }

  @Test
  void badValuesNameTheParameterTheBoundAndTheType() {
    assertThatThrownBy(() -> Generators.create("hyperplane", Map.of("dims", 4, "drift_attributes", 5), 1))
        .hasMessage("--param.drift_attributes: 5 is not allowed; allowed: an integer in [0, 4]");
    assertThatThrownBy(() -> Generators.create("rbf", Map.of("centroids", 3, "drift_centroids", 4), 1))
        .hasMessage("--param.drift_centroids: 4 is not allowed; allowed: an integer in [0, 3]");
    assertThatThrownBy(() -> Generators.create("rbf", Map.of("classes", 1), 1))
        .hasMessage("--param.classes: 1 is not allowed; allowed: an integer in [2, 1048576]");
    assertThatThrownBy(() -> Generators.create("circles", Map.of("factor", 1.0), 1))
        .hasMessage("--param.factor: 1.0 is not allowed; allowed: a number in (0, 1)");
    assertThatThrownBy(() -> Generators.create("linear", Map.of("dims", "ten"), 1))
        .hasMessage("--param.dims: \"ten\" is not allowed; allowed: an integer");
    assertThatThrownBy(() -> Generators.create("sea", Map.of("time_step_ms", -1L), 1))
        .hasMessage("--param.time_step_ms: -1 is not allowed; allowed: an integer >= 0");
    assertThatThrownBy(() -> Generators.create("linear", Map.of("noise", 0.1), 1))
        .hasMessage("--param.noise: unknown key; allowed keys here are [dims, margin, start_time, time_step_ms]");
  }

  @Test
  void defaultsAreTheDeclaredOnes() {
    RotatingHyperplaneGenerator hp = (RotatingHyperplaneGenerator) Generators.create("hyperplane", Map.of(), 1);
    assertThat(hp.dimensions()).isEqualTo(10);
    RandomRbfGenerator rbf = (RandomRbfGenerator) Generators.create("rbf", Map.of("dims", 3), 1);
    assertThat(rbf.dimensions()).isEqualTo(3);
    assertThat(rbf.classes()).isEqualTo(2);
    SampleGenerator sea = Generators.create("sea", Map.of(), 1);
    MutableSample s = new MutableSample();
    sea.next(s);
    assertThat(s.eventTime).isEqualTo(1_767_225_600_000L); // 2026-01-01T00:00:00Z
    sea.next(s);
    assertThat(s.eventTime).isEqualTo(1_767_225_600_001L);
  }

  @Test
  void hyperplaneJumpsFlipTheDriftWeightsAtKnownPoints() {
    RotatingHyperplaneGenerator g = (RotatingHyperplaneGenerator) Generators.create("hyperplane",
        Map.of("dims", 4, "drift_attributes", 2, "speed", 0.0, "noise", 0.0, "jump_every", 100), 3);
    MutableSample s = new MutableSample();
    for (int i = 0; i < 100; i++) {
      s.clear();
      g.next(s);
    }
    double[] before = g.weights();
    s.clear();
    g.next(s); // sample 100: the first of the new concept
    double[] after = g.weights();
    assertThat(after).containsExactly(-before[0], -before[1], before[2], before[3]);
    // constant between jumps with speed 0, and its label follows the new hyperplane
    double dot = 0;
    double sum = 0;
    for (int j = 0; j < 4; j++) {
      dot += after[j] * s.dense[j];
      sum += after[j];
    }
    assertThat(s.label).isEqualTo(dot >= 0.5 * sum ? 1.0 : 0.0);
    for (int i = 101; i < 200; i++) {
      s.clear();
      g.next(s);
    }
    assertThat(g.weights()).containsExactly(after);
    assertThatThrownBy(() -> Generators.create("hyperplane", Map.of("jump_every", -1), 1))
        .isInstanceOf(SpecException.class).hasMessageContaining("jump_every");
  }
}
