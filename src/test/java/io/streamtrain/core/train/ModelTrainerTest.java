package io.streamtrain.core.train;

import static io.streamtrain.core.train.TrainerStateTest.batches;
import static io.streamtrain.core.train.TrainerStateTest.bits;
import static io.streamtrain.core.train.TrainerStateTest.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.core.data.Example;
import io.streamtrain.core.train.ModelTrainer.StepResult;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One training step against closed forms: logistic regression's mean log-loss gradient
 * {@code g = mean_i (sigmoid(w.x_i + b) - y_i) [x_i, 1]}, torch's clip_grad_norm_ coefficient
 * {@code min(1, max_norm / (||g|| + 1e-6))} and clip_grad_value_ clamp, StepLR's {@code lr * gamma^floor(t / s)},
 * progressive accuracy at the pre-update parameters; and the divergence guard leaving everything untouched.
 */
class ModelTrainerTest {
  static final int DIMS = 3;

  static Map<String, Object> logistic(Map<String, Object> optimizer) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", Map.of("type", "logistic", "features", Map.of("dense", DIMS)));
    m.put("optimizer", optimizer);
    m.put("batching", Map.of("batch_size", 8));
    return m;
  }

  /** The closed-form gradient of the mean logistic loss at params [w, b]. */
  static double[] gradient(double[] p, List<Example> batch) {
    double[] g = new double[DIMS + 1];
    for (Example e : batch) {
      double z = p[DIMS];
      for (int j = 0; j < DIMS; j++) {
        z += p[j] * e.denseValue(j);
      }
      double r = 1 / (1 + Math.exp(-z)) - e.label();
      for (int j = 0; j < DIMS; j++) {
        g[j] += r * e.denseValue(j) / batch.size();
      }
      g[DIMS] += r / batch.size();
    }
    return g;
  }

  static double norm(double[] a) {
    double s = 0;
    for (double d : a) {
      s += d * d;
    }
    return Math.sqrt(s);
  }

  @Test
  void sgdStepWithNormClippingMatchesTheClosedForm() {
    Map<String, Object> spec = logistic(Map.of("type", "sgd", "lr", 0.5));
    spec.put("clip", Map.of("type", "norm", "max_norm", 0.05));
    ModelTrainer t = new ModelTrainer(config(spec));
    TrainerState s = t.newState("m");
    assertThat(s.params).containsOnly(0.0); // logistic models start at zero
    boolean sawClipped = false;
    for (List<Example> batch : batches(12, 8, DIMS, 1)) {
      double[] before = s.params.clone();
      double[] g = gradient(before, batch);
      double gn = norm(g);
      double coef = Math.min(1.0, 0.05 / (gn + 1e-6));
      StepResult r = t.train(s, batch);
      assertThat(r.skipped).isFalse();
      assertThat(r.gradNorm).isCloseTo(gn, within(1e-14));
      assertThat(r.clipped).isEqualTo(coef < 1.0);
      assertThat(r.clipCoefficient).isCloseTo(coef, within(1e-12));
      sawClipped |= r.clipped;
      for (int j = 0; j <= DIMS; j++) {
        assertThat(s.params[j]).as("param %d", j).isCloseTo(before[j] - 0.5 * coef * g[j], within(1e-14));
      }
    }
    assertThat(sawClipped).isTrue();
  }

  @Test
  void valueClippingClampsEachComponent() {
    Map<String, Object> spec = logistic(Map.of("type", "sgd", "lr", 1.0));
    spec.put("clip", Map.of("type", "value", "clip_value", 0.02));
    ModelTrainer t = new ModelTrainer(config(spec));
    TrainerState s = t.newState("m");
    for (List<Example> batch : batches(5, 8, DIMS, 2)) {
      double[] before = s.params.clone();
      double[] g = gradient(before, batch);
      t.train(s, batch);
      for (int j = 0; j <= DIMS; j++) {
        double clamped = Math.max(-0.02, Math.min(0.02, g[j]));
        assertThat(s.params[j]).isCloseTo(before[j] - clamped, within(1e-14));
      }
    }
  }

  @Test
  void stepScheduleSetsTheLearningRateOfEachStep() {
    Map<String, Object> spec = logistic(Map.of("type", "sgd", "lr", 0.1));
    spec.put("schedule", Map.of("type", "StepLR", "step_size", 2, "gamma", 0.5));
    ModelTrainer t = new ModelTrainer(config(spec));
    TrainerState s = t.newState("m");
    List<List<Example>> data = batches(7, 8, DIMS, 3);
    for (int step = 0; step < data.size(); step++) {
      double[] before = s.params.clone();
      double[] g = gradient(before, data.get(step));
      StepResult r = t.train(s, data.get(step));
      double lr = 0.1 * Math.pow(0.5, step / 2);
      assertThat(r.lr).as("lr at step %d", step).isCloseTo(lr, within(1e-17));
      for (int j = 0; j <= DIMS; j++) {
        assertThat(s.params[j]).isCloseTo(before[j] - lr * g[j], within(1e-14));
      }
    }
    assertThat(s.step).isEqualTo(7);
  }

  @Test
  void progressiveAccuracyScoresBeforeTheUpdate() {
    ModelTrainer t = new ModelTrainer(config(logistic(Map.of("type", "sgd", "lr", 1.0))));
    TrainerState s = t.newState("m");
    List<Example> batch = batches(1, 8, DIMS, 4).get(0);
    // At zero parameters every probability is 0.5, which predicts class 0: correct = number of 0 labels.
    long zeros = batch.stream().filter(e -> e.label() == 0).count();
    StepResult r = t.train(s, batch);
    assertThat(r.correct).isEqualTo((int) zeros);
    assertThat(s.interval.scored).isEqualTo(8);
    assertThat(s.interval.correct).isEqualTo(zeros);
  }

  /**
   * A batch with a NaN feature (NaN loss) and one with a huge feature (infinite gradient) are skipped: parameters,
   * optimizer moments and schedule stay bit for bit as they were, the step count does not move, the skip is
   * counted, and the run continues exactly as if the bad batches had never come.
   */
  @Test
  void nonFiniteBatchesAreSkippedWithoutTouchingAnything() throws IOException {
    Map<String, Object> spec = logistic(Map.of("type", "sgd", "lr", 0.1, "momentum", 0.9, "nesterov", true));
    spec.put("schedule", Map.of("type", "ExponentialLR", "gamma", 0.9));
    spec.put("clip", Map.of("type", "norm", "max_norm", 10.0));
    List<List<Example>> good = batches(6, 8, DIMS, 5);
    List<Example> nan = copy(good.get(0));
    nan.get(3).denseValues()[1] = Double.NaN;
    List<Example> huge = copy(good.get(1));
    huge.get(2).denseValues()[0] = 1e308;
    huge.get(2).setLabel(0);
    huge.get(5).denseValues()[0] = -1e308;

    ModelTrainer clean = new ModelTrainer(config(spec));
    TrainerState sc = clean.newState("m");
    ModelTrainer guarded = new ModelTrainer(config(spec));
    TrainerState sg = guarded.newState("m");
    for (int i = 0; i < good.size(); i++) {
      clean.train(sc, good.get(i));
      guarded.train(sg, good.get(i));
      if (i == 2) {
        long[] params = bits(sg.params);
        byte[] opt = optimizerState(sg);
        double lr = sg.scheduler.lr();
        long step = sg.step;
        for (List<Example> bad : List.of(nan, huge)) {
          StepResult r = guarded.train(sg, bad);
          assertThat(r.skipped).isTrue();
          assertThat(Double.isFinite(r.loss) && Double.isFinite(r.gradNorm)).isFalse();
          assertThat(bits(sg.params)).isEqualTo(params);
          assertThat(optimizerState(sg)).isEqualTo(opt);
          assertThat(sg.scheduler.lr()).isEqualTo(lr);
          assertThat(sg.step).isEqualTo(step);
        }
        assertThat(sg.skippedBatches).isEqualTo(2);
        assertThat(sg.batches).isEqualTo(step + 2);
      }
    }
    assertThat(bits(sg.params)).isEqualTo(bits(sc.params));
    assertThat(optimizerState(sg)).isEqualTo(optimizerState(sc));
    assertThat(sg.samplesSeen).isEqualTo(sc.samplesSeen);
    assertThat(sg.smoothedLoss()).isEqualTo(sc.smoothedLoss());
  }

  static List<Example> copy(List<Example> batch) {
    List<Example> out = new ArrayList<>();
    for (Example e : batch) {
      out.add(new Example().copyFrom(e));
    }
    return out;
  }

  static byte[] optimizerState(TrainerState s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    s.optimizer.writeState(new DataOutputStream(out));
    return out.toByteArray();
  }
}
