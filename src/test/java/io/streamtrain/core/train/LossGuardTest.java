package io.streamtrain.core.train;

import static io.streamtrain.core.train.ModelTrainerTest.DIMS;
import static io.streamtrain.core.train.ModelTrainerTest.copy;
import static io.streamtrain.core.train.ModelTrainerTest.gradient;
import static io.streamtrain.core.train.ModelTrainerTest.logistic;
import static io.streamtrain.core.train.ModelTrainerTest.optimizerState;
import static io.streamtrain.core.train.TrainerStateTest.batches;
import static io.streamtrain.core.train.TrainerStateTest.bits;
import static io.streamtrain.core.train.TrainerStateTest.bytes;
import static io.streamtrain.core.train.TrainerStateTest.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.train.ModelTrainer.StepResult;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The loss-spike guard: a spiking batch is not applied, the state goes back bit for bit to the last good copy
 * (checked against an unguarded run of the same batches), the learning rate is cut from then on (checked against
 * the closed-form logistic gradient step), a guard that never fires changes nothing, a persisting higher loss
 * (drift) does not roll back forever, the guard's state survives a checkpoint, and bad specs name their key.
 */
class LossGuardTest {
  static final double LR = 0.5;

  static Map<String, Object> guarded(Map<String, Object> optimizer, Map<String, Object> guard) {
    Map<String, Object> spec = logistic(optimizer);
    if (guard != null) {
      spec.put("guard", guard);
    }
    return spec;
  }

  static Map<String, Object> guard(double factor, double cut, int warmup, int every) {
    Map<String, Object> g = new LinkedHashMap<>();
    g.put("loss_spike_factor", factor);
    g.put("lr_cut", cut);
    g.put("warmup_steps", warmup);
    g.put("good_state_every", every);
    return g;
  }

  /** The batch with its labels flipped and its features scaled: a large but finite loss for a trained model. */
  static List<Example> spike(List<Example> batch, double scale) {
    List<Example> out = copy(batch);
    for (Example e : out) {
      double[] x = e.denseValues();
      for (int j = 0; j < x.length; j++) {
        x[j] *= scale;
      }
      e.setLabel(1 - e.label());
    }
    return out;
  }

  /** Linearly separable batches (label = x0 + x1 > 0), so a trained model's loss is small. */
  static List<List<Example>> separable(int count, long seed) {
    List<List<Example>> out = new ArrayList<>();
    for (List<Example> b : batches(count, 8, DIMS, seed)) {
      for (Example e : b) {
        double[] x = e.denseValues();
        e.setLabel(x[0] + x[1] > 0 ? 1 : 0);
      }
      out.add(b);
    }
    return out;
  }

  @Test
  void aSpikeRollsBackToTheLastGoodStateAndCutsTheLearningRate() throws IOException {
    Map<String, Object> sgd = Map.of("type", "sgd", "lr", LR);
    List<List<Example>> data = separable(30, 7);
    // Reference: the same batches without a guard; its state after k steps is what a good copy at k holds.
    ModelTrainer ref = new ModelTrainer(config(guarded(sgd, null)));
    TrainerState sr = ref.newState("m");
    List<long[]> refParams = new ArrayList<>();
    List<byte[]> refOpt = new ArrayList<>();
    ModelTrainer t = new ModelTrainer(config(guarded(sgd, guard(3.0, 0.25, 5, 4))));
    TrainerState s = t.newState("m");
    for (List<Example> b : data.subList(0, 22)) {
      refParams.add(bits(sr.params));
      refOpt.add(optimizerState(sr));
      ref.train(sr, b);
      StepResult r = t.train(s, b);
      assertThat(r.rolledBack).isFalse();
    }
    assertThat(bits(s.params)).isEqualTo(bits(sr.params));
    assertThat(s.guard.hasGood).isTrue();
    long good = s.guard.goodStep;
    // Copies are taken every 4 steps, before the step: at steps 0, 4, ..., 20.
    assertThat(good).isEqualTo(20);
    double smoothedBefore = s.smoothedLoss();
    long stepBefore = s.step;

    List<Example> bad = spike(data.get(22), 20);
    StepResult r = t.train(s, bad);
    assertThat(r.loss).isGreaterThan(3.0 * smoothedBefore);
    assertThat(r.rolledBack).isTrue();
    assertThat(r.skipped).isTrue();
    assertThat(s.guard.goodStep).isEqualTo(good);
    assertThat(r.smoothedLoss).isEqualTo(smoothedBefore);
    assertThat(bits(s.params)).isEqualTo(refParams.get((int) good));
    assertThat(optimizerState(s)).isEqualTo(refOpt.get((int) good));
    assertThat(s.guard.lrScale).isEqualTo(0.25);
    assertThat(s.guard.rollbacks).isEqualTo(1);
    assertThat(s.skippedBatches).isEqualTo(1);
    // Counters keep running: the step count does not go back (metrics and versions never repeat a step).
    assertThat(s.step).isEqualTo(stepBefore);

    // The next step is plain SGD from the good state at lr * 0.25: w' = w - 0.125 * grad (closed form).
    double[] w = s.params.clone();
    List<Example> next = data.get(23);
    double[] g = gradient(w, next);
    StepResult r2 = t.train(s, next);
    assertThat(r2.rolledBack).isFalse();
    assertThat(r2.lr).isEqualTo(LR * 0.25);
    for (int j = 0; j < w.length; j++) {
      assertThat(s.params[j]).isCloseTo(w[j] - LR * 0.25 * g[j], within(1e-15));
    }
  }

  @Test
  void aGuardThatNeverFiresChangesNothing() throws IOException {
    Map<String, Object> adam = Map.of("type", "adam", "lr", 0.05);
    List<List<Example>> data = separable(60, 3);
    ModelTrainer plain = new ModelTrainer(config(guarded(adam, null)));
    ModelTrainer quiet = new ModelTrainer(config(guarded(adam, guard(1e9, 0.5, 2, 3))));
    TrainerState sp = plain.newState("m");
    TrainerState sq = quiet.newState("m");
    for (List<Example> b : data) {
      plain.train(sp, b);
      quiet.train(sq, b);
    }
    assertThat(bits(sq.params)).isEqualTo(bits(sp.params));
    assertThat(optimizerState(sq)).isEqualTo(optimizerState(sp));
    assertThat(sq.guard.rollbacks).isZero();
    assertThat(sq.guard.hasGood).isTrue();
  }

  @Test
  void withAScheduleTheCutScalesTheScheduledRateAndTheSchedulePositionRollsBack() {
    Map<String, Object> spec = guarded(Map.of("type", "sgd", "lr", LR, "momentum", 0.9),
        guard(3.0, 0.5, 5, 5));
    spec.put("schedule", Map.of("type", "ExponentialLR", "gamma", 0.97));
    ModelTrainer t = new ModelTrainer(config(spec));
    TrainerState s = t.newState("m");
    List<List<Example>> data = separable(40, 11);
    for (List<Example> b : data.subList(0, 23)) {
      t.train(s, b);
    }
    long good = s.guard.goodStep;
    StepResult r = t.train(s, spike(data.get(23), 30));
    assertThat(r.rolledBack).isTrue();
    // The schedule is back at the good step's position: its lr is base * gamma^good.
    assertThat(s.scheduler.stepCount()).isEqualTo(good);
    assertThat(s.scheduler.lr()).isCloseTo(LR * Math.pow(0.97, good), within(1e-14));
    StepResult r2 = t.train(s, data.get(24));
    assertThat(r2.lr).isCloseTo(LR * Math.pow(0.97, good) * 0.5, within(1e-14));
  }

  @Test
  void minExcessKeepsSmallAbsoluteRisesOfANearZeroLossFromCountingAsSpikes() {
    LossGuard g = new LossGuard(3, 0.5, 0.5, 20, 50);
    assertThat(g.isSpike(0.4, 0.01)).isFalse(); // 40x the average, but only 0.39 above it
    assertThat(g.isSpike(0.6, 0.01)).isTrue();
    assertThat(g.isSpike(1.4, 0.5)).isFalse(); // 0.9 above, but under 3x
    assertThat(new LossGuard(3, 0, 0.5, 20, 50).isSpike(0.4, 0.01)).isTrue();
  }

  @Test
  void aPersistingHigherLossIsFollowedNotRolledBackForever() {
    ModelTrainer t = new ModelTrainer(config(guarded(Map.of("type", "sgd", "lr", LR), guard(3.0, 0.5, 10, 5))));
    TrainerState s = t.newState("m");
    List<List<Example>> data = separable(200, 5);
    for (List<Example> b : data.subList(0, 40)) {
      t.train(s, b);
    }
    // Concept drift: from now on every label is flipped and the features are larger.
    for (List<Example> b : data.subList(40, 200)) {
      t.train(s, spike(b, 5));
    }
    assertThat(s.guard.rollbacks).isBetween(1L, 4L);
    assertThat(s.step).isGreaterThan(40 + 150 - 4);
    // The model followed the new regime: the smoothed loss is back under control.
    assertThat(s.smoothedLoss()).isLessThan(1.0);
  }

  @Test
  void theGuardStateSurvivesACheckpointAndTheRestoredRunRollsBackIdentically() throws IOException {
    Map<String, Object> spec = guarded(Map.of("type", "adam", "lr", 0.1), guard(3.0, 0.5, 5, 7));
    TrainingConfig cfg = config(spec);
    List<List<Example>> data = separable(50, 13);
    ModelTrainer a = new ModelTrainer(cfg);
    TrainerState sa = a.newState("m");
    for (List<Example> b : data.subList(0, 25)) {
      a.train(sa, b);
    }
    byte[] mid = bytes(sa);
    ModelTrainer b = new ModelTrainer(cfg);
    TrainerState sb = b.newState("m");
    sb.read(new DataInputStream(new ByteArrayInputStream(mid)));
    assertThat(bytes(sb)).isEqualTo(mid);
    List<List<Example>> rest = new ArrayList<>(data.subList(25, 50));
    rest.set(3, spike(rest.get(3), 30));
    rest.set(15, spike(rest.get(15), 30));
    for (List<Example> batch : rest) {
      StepResult ra = a.train(sa, batch);
      StepResult rb = b.train(sb, batch);
      assertThat(rb.rolledBack).isEqualTo(ra.rolledBack);
    }
    assertThat(sa.guard.rollbacks).isEqualTo(2);
    assertThat(bits(sb.params)).isEqualTo(bits(sa.params));
    assertThat(bytes(sb)).isEqualTo(bytes(sa));
  }

  @Test
  void badGuardSpecsNameTheKey() {
    Map<String, Object> sgd = Map.of("type", "sgd", "lr", 0.1);
    assertThatThrownBy(() -> config(guarded(sgd, Map.of("loss_spike_factor", 1.0))))
        .isInstanceOf(SpecException.class).hasMessageContaining("guard.loss_spike_factor");
    assertThatThrownBy(() -> config(guarded(sgd, Map.of("loss_spike_factor", 4, "lr_cut", 0))))
        .isInstanceOf(SpecException.class).hasMessageContaining("guard.lr_cut");
    assertThatThrownBy(() -> config(guarded(sgd, Map.of("lr_cut", 0.5))))
        .isInstanceOf(SpecException.class).hasMessageContaining("guard.loss_spike_factor");
    assertThatThrownBy(() -> config(guarded(sgd, Map.of("loss_spike_factor", 4, "factor", 2))))
        .isInstanceOf(SpecException.class).hasMessageContaining("factor");
    assertThat(config(guarded(sgd, Map.of("loss_spike_factor", 4))).guard())
        .isEqualTo(new LossGuard(4, 0, 0.5, LossGuard.DEFAULT_WARMUP, LossGuard.DEFAULT_GOOD_EVERY));
    assertThatThrownBy(() -> config(guarded(sgd, Map.of("loss_spike_factor", 4, "min_excess", -1))))
        .isInstanceOf(SpecException.class).hasMessageContaining("guard.min_excess");
  }
}
