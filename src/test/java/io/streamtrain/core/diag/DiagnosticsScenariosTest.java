package io.streamtrain.core.diag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.random.Xoshiro256;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.core.train.TrainingConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The acceptance scenarios through the core trainer: a saddle (two-layer linear network at the origin),
 * an ill-conditioned quadratic (condition 1000) with lr outside and inside the stability bound, vanishing
 * gradients in a deep sigmoid MLP, a cliff flagged as exploding with clipping keeping the parameters finite.
 * Expected figures are closed forms of the constructed problems.
 */
class DiagnosticsScenariosTest {

  static ModelTrainer trainer(Map<String, Object> model, Map<String, Object> opt, Map<String, Object> clip,
      int batch, Map<String, Object> diag) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", model);
    m.put("optimizer", opt);
    if (clip != null) {
      m.put("clip", clip);
    }
    m.put("batching", Map.of("batch_size", batch, "shuffle_capacity", batch));
    TrainingConfig cfg = TrainingConfig.fromSpec(new SpecReader("", m));
    return new ModelTrainer(cfg).enableDiagnostics(DiagnosticsConfig.fromSpec(new SpecReader("diagnostics", diag)));
  }

  static Batch batch(ModelTrainer t, double[][] x, double[] y) {
    Batch b = t.model().newBatch(x.length);
    for (int i = 0; i < x.length; i++) {
      b.addDense(x[i], 0, y[i], 1.0);
    }
    return b;
  }

  // ---- saddle: f(x) = w2 (w1 x + b1) + b2 on x = +-1, y = x, from zero. At the origin the gradient is exactly
  // 0 and the Hessian of mean (f - y)^2 has eigenvalues {2, 2, 0, -2} (the w1-w2 block is [[0, -2], [-2, 0]]).

  static Map<String, Object> twoLayerLinear() {
    return Map.of("type", "mlp", "layers", List.of(1, 1, 1), "activation", "identity", "head", "linear",
        "init", "zeros");
  }

  static double saddleRun(boolean escape, List<TrainingState> states, List<DiagEvent> events, double[] lambdas) {
    Map<String, Object> diag = new LinkedHashMap<>(Map.of("probe_every", 5, "probe_warmup", 0, "reservoir", 10,
        "budget_share", 1.0, "lanczos_steps", 4, "eigenpairs", 1));
    if (escape) {
      diag.put("saddle_escape", Map.of("enabled", true, "after_checks", 3, "step", 0.1));
    }
    ModelTrainer t = trainer(twoLayerLinear(), Map.of("type", "sgd", "lr", 0.1), null, 2, diag);
    TrainerState s = t.newState("saddle");
    Batch b = batch(t, new double[][] {{1}, {-1}}, new double[] {1, -1});
    double loss = Double.NaN;
    for (int i = 0; i < 120; i++) {
      loss = t.train(s, b).loss;
      states.add(s.diag.lastState);
      events.addAll(s.diag.drainEvents());
      if (s.diag.probes == 1 && Double.isNaN(lambdas[0])) {
        lambdas[0] = s.diag.lambdaMax;
        lambdas[1] = s.diag.lambdaMin;
      }
    }
    return t.model().loss(s.params, b);
  }

  @Test
  void saddleIsClassifiedAndTheEscapeReachesLowerLossWherePlainDescentStays() {
    List<TrainingState> plainStates = new ArrayList<>();
    List<DiagEvent> plainEvents = new ArrayList<>();
    double[] lam = {Double.NaN, Double.NaN};
    double plain = saddleRun(false, plainStates, plainEvents, lam);
    assertThat(lam[0]).isCloseTo(2.0, within(1e-9));
    assertThat(lam[1]).isCloseTo(-2.0, within(1e-9));
    assertThat(plainStates.get(4)).isEqualTo(TrainingState.SADDLE);
    assertThat(plain).isEqualTo(1.0); // gradient descent never leaves the origin
    assertThat(plainEvents).isEmpty();

    List<TrainingState> states = new ArrayList<>();
    List<DiagEvent> events = new ArrayList<>();
    double escaped = saddleRun(true, states, events, new double[] {Double.NaN, Double.NaN});
    assertThat(states.get(4)).isEqualTo(TrainingState.SADDLE);
    assertThat(events).isNotEmpty().allMatch(e -> e.type().equals("saddle_escape"));
    // The probe of step 5 (10 samples: the reservoir is full after 5 batches of 2) finds lambda_min = -2; the
    // checks along its eigenvector at steps 5, 6 and 7 confirm it while the gradient (exactly 0) is within its
    // noise (per-sample gradients of +-2 on the output bias), so the escape is taken at step 7.
    assertThat(events.get(0).step()).isEqualTo(7);
    // Along v = (e_w1 + e_w2) / sqrt 2 by h = 0.1: f = w2 w1 x = (h^2 / 2) x, loss (h^2/2 - 1)^2 = 0.990025.
    assertThat(events.get(0).message()).contains("batch loss 1.000 -> 0.9900");
    assertThat(escaped).isLessThan(1e-3);
  }

  // ---- ill-conditioned quadratic: linear regression on +-a_i e_i (n = 4 samples, d = 2), Hessian of
  // mean (w.x + b - y)^2 = (2/n) sum [x;1][x;1]^T = diag(4 a_i^2 / n, 2): eigenvalues 1000, 1 and 2 (bias).

  static final double A1 = Math.sqrt(1000.0);
  static final double A2 = 1.0;

  static List<TrainingState> quadraticRun(double lr, double[] lambdaMax) {
    ModelTrainer t = trainer(Map.of("type", "linear", "features", Map.of("dense", 2)),
        Map.of("type", "sgd", "lr", lr), null, 4,
        Map.of("probe_every", 2, "probe_warmup", 0, "reservoir", 8, "budget_share", 1.0, "lanczos_steps", 3));
    TrainerState s = t.newState("quad");
    double[][] x = {{A1, 0}, {-A1, 0}, {0, A2}, {0, -A2}};
    double[] y = new double[4];
    for (int i = 0; i < 4; i++) {
      y[i] = 0.5 * x[i][0] - 2.0 * x[i][1] + 0.3;
    }
    Batch b = batch(t, x, y);
    List<TrainingState> states = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      t.train(s, b);
      states.add(s.diag.lastState);
      if (s.diag.probes == 1 && Double.isNaN(lambdaMax[0])) {
        lambdaMax[0] = s.diag.lambdaMax;
        lambdaMax[1] = s.diag.condition;
      }
    }
    return states;
  }

  @Test
  void lrAboveTwoOverLambdaMaxIsUnstableAndNearItIllConditioned() {
    double[] lm = {Double.NaN, Double.NaN};
    List<TrainingState> states = quadraticRun(2.2 / 1000.0, lm);
    assertThat(lm[0]).isCloseTo(1000.0, within(1e-6 * 1000.0));
    assertThat(lm[1]).isCloseTo(1000.0, within(1e-6 * 1000.0));
    assertThat(states.get(1)).isEqualTo(TrainingState.UNSTABLE); // lr * lambda_max = 2.2 > 2
    List<TrainingState> near = quadraticRun(1.9 / 1000.0, new double[] {Double.NaN, Double.NaN});
    assertThat(near.get(1)).isEqualTo(TrainingState.ILL_CONDITIONED); // 1.8 <= 1.9 <= 2
    assertThat(near).doesNotContain(TrainingState.UNSTABLE);
  }

  @Test
  void illConditionedQuadraticInsideTheBoundIsNotFlagged() {
    double[] lm = {Double.NaN, Double.NaN};
    List<TrainingState> states = quadraticRun(1.0 / 1000.0, lm);
    assertThat(lm[0]).isCloseTo(1000.0, within(1e-6 * 1000.0));
    assertThat(states).doesNotContain(TrainingState.ILL_CONDITIONED);
  }

  // ---- vanishing gradients: 8 sigmoid layers with torch's default init.

  @Test
  void deepSigmoidMlpShowsVanishingGradientsInThePerLayerRatio() {
    ModelTrainer t = trainer(Map.of("type", "mlp", "layers", List.of(8, 16, 16, 16, 16, 16, 16, 16, 1),
            "activation", "sigmoid", "head", "logistic", "init", "torch_default", "seed", 3),
        Map.of("type", "sgd", "lr", 0.1), null, 32, Map.of("probe_every", 0));
    TrainerState s = t.newState("deep");
    Xoshiro256 rng = new Xoshiro256(4);
    double[][] x = new double[32][8];
    double[] y = new double[32];
    for (int i = 0; i < 32; i++) {
      for (int j = 0; j < 8; j++) {
        x[i][j] = rng.nextGaussian();
      }
      y[i] = x[i][0] > 0 ? 1 : 0;
    }
    Batch b = batch(t, x, y);
    t.train(s, b);
    assertThat(s.diag.layerRatio).isLessThan(1e-3);
    assertThat(s.diag.lastState).isEqualTo(TrainingState.VANISHING);
    assertThat(s.diag.lastEvidence).contains("first/last layer gradient ratio");

    // A shallow tanh network on the same data does not.
    ModelTrainer shallow = trainer(Map.of("type", "mlp", "layers", List.of(8, 16, 1), "activation", "tanh",
        "head", "logistic", "init", "torch_default", "seed", 3), Map.of("type", "sgd", "lr", 0.1), null, 32,
        Map.of("probe_every", 0));
    TrainerState s2 = shallow.newState("shallow");
    shallow.train(s2, batch(shallow, x, y));
    assertThat(s2.diag.layerRatio).isGreaterThan(1e-2);
    assertThat(s2.diag.lastState).isNotEqualTo(TrainingState.VANISHING);
  }

  // ---- cliff: ordinary regression batches, then one batch with a huge feature (a region of huge gradient).

  static double[] cliffRun(Map<String, Object> clip, List<TrainingState> states) {
    ModelTrainer t = trainer(Map.of("type", "linear", "features", Map.of("dense", 3)),
        Map.of("type", "sgd", "lr", 0.05), clip, 8, Map.of("probe_every", 0));
    TrainerState s = t.newState("cliff");
    Xoshiro256 rng = new Xoshiro256(5);
    for (int step = 0; step < 40; step++) {
      double[][] x = new double[8][3];
      double[] y = new double[8];
      for (int i = 0; i < 8; i++) {
        for (int j = 0; j < 3; j++) {
          x[i][j] = rng.nextGaussian();
        }
        y[i] = x[i][0] - x[i][1] + 0.5 * x[i][2];
      }
      if (step == 30) {
        x[0][0] = 1e4; // the cliff
      }
      t.train(s, batch(t, x, y));
      states.add(s.diag.lastState);
    }
    return s.params;
  }

  @Test
  void cliffIsFlaggedAsExplodingAndClippingKeepsParametersFinite() {
    List<TrainingState> clipped = new ArrayList<>();
    double[] p = cliffRun(Map.of("type", "norm", "max_norm", 1.0), clipped);
    assertThat(clipped.get(30)).isEqualTo(TrainingState.EXPLODING);
    assertThat(clipped.subList(25, 30)).doesNotContain(TrainingState.EXPLODING);
    // The spike stays out of the smoothed statistics, so the clipped run is judged normally right after it.
    assertThat(clipped.subList(31, 40)).doesNotContain(TrainingState.EXPLODING, TrainingState.NEAR_MINIMUM);
    // SGD with the gradient clipped to norm 1 moves each step by at most lr = 0.05.
    for (double v : p) {
      assertThat(v).isFinite();
      assertThat(Math.abs(v)).isLessThan(3.0);
    }
    List<TrainingState> unclipped = new ArrayList<>();
    double[] q = cliffRun(null, unclipped);
    assertThat(unclipped.get(30)).isEqualTo(TrainingState.EXPLODING);
    double maxAbs = 0;
    for (double v : q) {
      maxAbs = Math.max(maxAbs, Double.isFinite(v) ? Math.abs(v) : Double.POSITIVE_INFINITY);
    }
    assertThat(maxAbs).isGreaterThan(1e3); // without clipping the cliff throws the parameters far away
  }

  @Test
  void nonFiniteBatchIsClassifiedDivergedAndSkipped() {
    ModelTrainer t = trainer(Map.of("type", "linear", "features", Map.of("dense", 1)),
        Map.of("type", "sgd", "lr", 0.1), null, 2, Map.of("probe_every", 0));
    TrainerState s = t.newState("nan");
    t.train(s, batch(t, new double[][] {{1e200}, {1}}, new double[] {-1e200, 1}));
    assertThat(s.diag.lastState).isEqualTo(TrainingState.DIVERGED);
    assertThat(s.skippedBatches).isEqualTo(1);
  }
}
