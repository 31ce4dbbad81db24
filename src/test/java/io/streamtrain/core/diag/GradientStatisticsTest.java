package io.streamtrain.core.diag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.random.Xoshiro256;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Per-batch statistics against closed forms computed here from explicit per-sample gradients, the probe budget
 * logic, state persistence, and configuration errors.
 */
class GradientStatisticsTest {

  @Test
  void noiseScaleMatchesExplicitPerSampleGradients() {
    // Linear regression: g_i = 2 (w.x_i + b - y_i) [x_i; 1]; at w = 0, b = 0 the residual is -y_i.
    ModelTrainer t = DiagnosticsScenariosTest.trainer(Map.of("type", "linear", "features", Map.of("dense", 3)),
        Map.of("type", "sgd", "lr", 0.01), null, 16, Map.of("probe_every", 0, "noise_every", 1));
    TrainerState s = t.newState("noise");
    Xoshiro256 rng = new Xoshiro256(8);
    int n = 16;
    double[][] x = new double[n][3];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < 3; j++) {
        x[i][j] = rng.nextGaussian();
      }
      y[i] = 1.0 + x[i][0] + 0.3 * rng.nextGaussian();
    }
    Batch b = DiagnosticsScenariosTest.batch(t, x, y);
    double[][] g = new double[n][4];
    double[] mean = new double[4];
    for (int i = 0; i < n; i++) {
      double r = -y[i];
      for (int j = 0; j < 3; j++) {
        g[i][j] = 2 * r * x[i][j];
      }
      g[i][3] = 2 * r;
      for (int k = 0; k < 4; k++) {
        mean[k] += g[i][k] / n;
      }
    }
    double trace = 0;
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < 4; k++) {
        trace += (g[i][k] - mean[k]) * (g[i][k] - mean[k]);
      }
    }
    trace /= n - 1;
    double meanSq = Lanczos.dot(mean, mean);
    double g2 = meanSq - trace / n;
    t.train(s, b);
    assertThat(s.diag.noiseTraceEma).isCloseTo(trace, within(1e-10 * trace));
    assertThat(s.diag.noiseG2Ema).isCloseTo(g2, within(1e-10 * Math.abs(g2)));
    assertThat(s.diag.noiseScale).isCloseTo(trace / g2, within(1e-9 * trace / g2));
    // First batch: smoothed mean is the norm itself, variance 0.
    assertThat(s.diag.gradMean).isCloseTo(Math.sqrt(meanSq), within(1e-12));
    assertThat(s.diag.gradVar).isZero();
  }

  @Test
  void exponentialMeanAndVarianceFollowTheRecurrence() {
    ModelTrainer t = DiagnosticsScenariosTest.trainer(Map.of("type", "linear", "features", Map.of("dense", 1)),
        Map.of("type", "sgd", "lr", 0.1), null, 1, Map.of("probe_every", 0, "ema_beta", 0.5));
    TrainerState s = t.newState("ema");
    double mean = 0;
    double var = 0;
    for (int k = 0; k < 5; k++) {
      t.train(s, DiagnosticsScenariosTest.batch(t, new double[][] {{1.0 + k}}, new double[] {2.0 * k}));
      double x = s.lastGradNorm;
      if (k == 0) {
        mean = x;
      } else {
        double diff = x - mean;
        mean += 0.5 * diff;
        var = 0.5 * (var + 0.5 * diff * diff);
      }
    }
    assertThat(s.diag.gradMean).isCloseTo(mean, within(1e-12));
    assertThat(s.diag.gradVar).isCloseTo(var, within(1e-12));
  }

  static ModelTrainer quadTrainer(double share) {
    return DiagnosticsScenariosTest.trainer(Map.of("type", "linear", "features", Map.of("dense", 2)),
        Map.of("type", "sgd", "lr", 1e-3), null, 4,
        Map.of("probe_every", 1, "probe_warmup", 0, "reservoir", 16, "budget_share", share, "lanczos_steps", 3));
  }

  /**
   * Work accounting by hand: a step of 4 samples costs 4, a noise estimate on it (every 10th batch) 4, a
   * Hessian-vector product over the 16 reservoir rows 32. With budget_share 0.2 a step earns 4 x 0.2 / 0.8 = 1 of
   * credit; the noise estimates take 4 of every 10, so in 5,000 steps the probes get 5,000 - 2,000 = 3,000, 93
   * products of 32: 31 probes of 3 products. The diagnostics' share of work (noise and probes) in every 1,000-step
   * window after the warm-up is 0.2 within 2 points; a full budget probes at every step once the reservoir is full.
   */
  @Test
  void probeWorkFollowsTheBudgetInEveryWindowAndAFullBudgetProbesEveryStep() {
    double[][] x = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
    double[] y = {1, 2, 3, 4};
    ModelTrainer fifth = quadTrainer(0.2);
    TrainerState s = fifth.newState("fifth");
    ModelTrainer full = quadTrainer(1.0);
    TrainerState f = full.newState("full");
    List<long[]> work = new java.util.ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      fifth.train(s, DiagnosticsScenariosTest.batch(fifth, x, y));
      work.add(new long[] {s.diag.trainWork, s.diag.probeWork});
      if (i < 40) {
        full.train(f, DiagnosticsScenariosTest.batch(full, x, y));
      }
    }
    assertThat(s.diag.trainWork).isEqualTo(4 * 5000);
    assertThat(s.diag.noiseCount).isEqualTo(500);
    // The reservoir draws the four rows unevenly, so its Hessian has three distinct eigenvalues and Lanczos needs
    // all 3 steps.
    assertThat(s.diag.probes).isEqualTo(31);
    assertThat(s.diag.probeProducts).isEqualTo(3);
    assertThat(s.diag.probeWork).isEqualTo(500 * 4 + 93 * 32);
    for (int end = 1200; end <= 5000; end += 100) {
      long[] a = work.get(end - 1000 - 1);
      long[] b = work.get(end - 1);
      double share = (double) (b[1] - a[1]) / ((b[0] - a[0]) + (b[1] - a[1]));
      assertThat(share).as("diagnostics share of steps %d..%d", end - 1000, end).isCloseTo(0.2, within(0.02));
    }
    assertThat(s.diag.probeShare()).isCloseTo(0.2, within(0.02));
    assertThat(s.diag.figures().get("probe_samples")).isEqualTo(16.0);
    // Full budget: a probe runs to its end as soon as the reservoir (16 samples, 4 steps) is full: 10 in 40 steps.
    // Each window holds the four rows four times: Hessian diag(1, 1, 2), two distinct eigenvalues, so Lanczos
    // stops after 2 products (an invariant Krylov space). Four noise estimates of 4 rows.
    assertThat(f.diag.probes).isEqualTo(10);
    assertThat(f.diag.probeProducts).isEqualTo(2);
    assertThat(f.diag.probeShare()).isEqualTo((640.0 + 16) / (640 + 16 + 160));
  }

  @Test
  void diagnosticsFiguresSurviveTheTrainerStateRoundTrip() throws Exception {
    ModelTrainer t = quadTrainer(1.0);
    TrainerState s = t.newState("m");
    double[][] x = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
    for (int i = 0; i < 25; i++) {
      t.train(s, DiagnosticsScenariosTest.batch(t, x, new double[] {1, 2, 3, 4}));
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    s.write(new DataOutputStream(bytes));
    TrainerState r = t.newState("m");
    r.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    Map<String, Double> restored = r.diag.figures();
    Map<String, Double> original = s.diag.figures();
    assertThat(restored).isEqualTo(original);
    assertThat(r.diag.figures().get("hessian_max_eigenvalue")).isEqualTo(s.diag.lambdaMax).isFinite();
    assertThat(r.diag.lossRing).containsExactly(s.diag.lossRing);
    assertThat(r.diag.lastState).isEqualTo(s.diag.lastState);
    assertThat(r.diag.batches).isEqualTo(25);
    assertThat(r.params).containsExactly(s.params);
  }

  @Test
  void configErrorsNameKeyValueAndAllowed() {
    assertThatThrownBy(() -> DiagnosticsConfig.fromSpec(new SpecReader("diagnostics", Map.of("budget_share", 0))))
        .isInstanceOf(SpecException.class).hasMessageContaining("diagnostics.budget_share");
    assertThatThrownBy(() -> DiagnosticsConfig.fromSpec(new SpecReader("diagnostics", Map.of("lanczos", 3))))
        .isInstanceOf(SpecException.class).hasMessageContaining("lanczos");
    assertThatThrownBy(() -> DiagnosticsConfig.fromSpec(new SpecReader("diagnostics",
        Map.of("saddle_escape", Map.of("step", -1)))))
        .isInstanceOf(SpecException.class).hasMessageContaining("diagnostics.saddle_escape.step");
    DiagnosticsConfig d = DiagnosticsConfig.defaults();
    assertThat(d.budgetShare()).isEqualTo(0.20);
    assertThat(d.probeEveryFor(1000)).isEqualTo(d.probeEvery());
    assertThat(d.probeEveryFor(200_000)).isZero();
    assertThat(DiagnosticsConfig.fromSpec(new SpecReader("d", Map.of("probe_every", 7))).probeEveryFor(200_000))
        .isEqualTo(7);
    assertThat(List.of(TrainingState.values())).startsWith(TrainingState.UNKNOWN);
    // UNSTABLE and STATIONARY were appended (ordinals are gauge codes and checkpointed) but rank between SADDLE and
    // EXPLODING, and between NEAR_MINIMUM and VANISHING.
    assertThat(List.of(TrainingState.values()).stream().sorted(java.util.Comparator.comparingInt(
        TrainingState::severity)).toList()).containsExactly(TrainingState.UNKNOWN, TrainingState.DESCENDING,
        TrainingState.PLATEAU, TrainingState.NEAR_MINIMUM, TrainingState.STATIONARY, TrainingState.VANISHING,
        TrainingState.ILL_CONDITIONED, TrainingState.SADDLE, TrainingState.UNSTABLE, TrainingState.EXPLODING,
        TrainingState.DIVERGED);
    assertThat(TrainingState.UNSTABLE.ordinal()).isEqualTo(9);
    assertThat(TrainingState.STATIONARY.ordinal()).isEqualTo(10);
  }
}
