package io.streamtrain.core.diag;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.SpecReader;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each rule of the classifier at its documented default threshold, just inside and just outside. */
class StateClassifierTest {
  final DiagnosticsConfig c = DiagnosticsConfig.defaults();

  StateClassifier.Signals healthy() {
    StateClassifier.Signals s = new StateClassifier.Signals();
    s.finite = true;
    s.loss = 1.0;
    s.gradNorm = 1.0;
    s.gradMeanBefore = 1.0;
    s.gradPeak = 1.0;
    s.batches = 100;
    s.trendKnown = true;
    s.lossChange = -0.1;
    s.lr = 0.01;
    return s;
  }

  TrainingState st(StateClassifier.Signals s) {
    TrainingState t = StateClassifier.state(c, s);
    assertThat(StateClassifier.classify(c, s).state()).isEqualTo(t);
    return t;
  }

  @Test
  void rulesAtTheirThresholds() {
    StateClassifier.Signals s = healthy();
    assertThat(st(s)).isEqualTo(TrainingState.DESCENDING);
    s.finite = false;
    assertThat(st(s)).isEqualTo(TrainingState.DIVERGED);

    s = healthy();
    s.gradNorm = 50.0; // exactly 50x the running mean: not yet
    assertThat(st(s)).isEqualTo(TrainingState.DESCENDING);
    s.gradNorm = 50.0001;
    assertThat(st(s)).isEqualTo(TrainingState.EXPLODING);
    s.batches = 5; // within the warm-up the jump rule is off
    assertThat(st(s)).isEqualTo(TrainingState.DESCENDING);

    s = healthy();
    s.gradNorm = 1e-4; // below the small-gradient bound max(1e-3, 1e-2 * 1.0) = 1e-2
    assertThat(st(s)).isEqualTo(TrainingState.DESCENDING); // the loss still goes down: not a minimum yet
    s.plateau = true;
    assertThat(st(s)).isEqualTo(TrainingState.STATIONARY); // no probe: a minimum cannot be told from a saddle
    assertThat(StateClassifier.classify(c, s).evidence()).contains("no curvature probe of these parameters yet");
    s.lambdaMax = 2.0; // lambda_min NaN (as after an escape): still not probed
    assertThat(st(s)).isEqualTo(TrainingState.STATIONARY);
    s.lambdaMax = 2.0;
    s.lambdaMin = -2.0 * 1e-3; // exactly at -1e-3 * max|lambda|: not clearly negative
    assertThat(st(s)).isEqualTo(TrainingState.NEAR_MINIMUM);
    s.lambdaMin = -2.1e-3;
    assertThat(st(s)).isEqualTo(TrainingState.SADDLE);
    assertThat(StateClassifier.classify(c, s).evidence()).contains("lambda_min -0.002100 < 0");

    s = healthy();
    s.lambdaMax = 100;
    s.lambdaMin = 0.1;
    s.lr = 0.0179; // lr * lambda_max = 1.79 < 1.8
    assertThat(st(s)).isEqualTo(TrainingState.DESCENDING);
    s.lr = 0.0181; // 1.81 (0.018 * 100 rounds to 1.7999999999999998)
    assertThat(st(s)).isEqualTo(TrainingState.ILL_CONDITIONED);

    s = healthy(); // ravine: large spread, flat loss, gradients flipping, lr * lambda_max = 0.1 inside the bound
    s.lr = 1e-4;
    s.lambdaMax = 1000;
    s.lambdaMin = 0.5;
    s.condition = 2000;
    s.plateau = true;
    s.cosine = -0.5;
    assertThat(st(s)).isEqualTo(TrainingState.ILL_CONDITIONED);
    s.cosine = 0.2; // no oscillation: just a plateau
    assertThat(st(s)).isEqualTo(TrainingState.PLATEAU);

    s = healthy();
    s.layerRatio = 0.99e-3;
    assertThat(st(s)).isEqualTo(TrainingState.VANISHING);
    s.layerRatio = 1.01e3;
    assertThat(st(s)).isEqualTo(TrainingState.EXPLODING);

    s = healthy();
    s.trendKnown = false;
    assertThat(st(s)).isEqualTo(TrainingState.UNKNOWN);
  }

  @Test
  void thresholdsAreConfigurable() {
    DiagnosticsConfig strict = DiagnosticsConfig.fromSpec(new SpecReader("d", Map.of("stability", 1.0)));
    StateClassifier.Signals s = healthy();
    s.lambdaMax = 100;
    s.lambdaMin = 0.1;
    s.lr = 0.015;
    assertThat(StateClassifier.state(c, s)).isEqualTo(TrainingState.DESCENDING);
    assertThat(StateClassifier.state(strict, s)).isEqualTo(TrainingState.ILL_CONDITIONED);
  }

  @Test
  void worstOrdersBySeverity() {
    assertThat(TrainingState.worst(TrainingState.SADDLE, TrainingState.DESCENDING)).isEqualTo(TrainingState.SADDLE);
    assertThat(TrainingState.worst(null, TrainingState.VANISHING)).isEqualTo(TrainingState.VANISHING);
    assertThat(TrainingState.worst(TrainingState.EXPLODING, TrainingState.DIVERGED)).isEqualTo(TrainingState.DIVERGED);
  }
}
