package io.streamtrain.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.RejectReason;
import io.streamtrain.core.metric.MetricsSpec;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.core.train.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Prequential evaluation against a plain test-then-train loop written here with the same core pieces (predict,
 * then ModelTrainer.train on that one sample), with and without a label delay; holdout against direct scoring.
 */
class PrequentialTest {
  static final MetricsSpec METRICS = new MetricsSpec(100, 0.99, 0.5, 250);

  static TrainingConfig config(int batch, int capacity, Map<String, Object> optimizer) {
    return TrainingConfig.fromSpec(new SpecReader("", Map.of(
        "model", Map.of("type", "logistic", "features", Map.of("dense", 4)),
        "optimizer", optimizer,
        "batching", Map.of("batch_size", batch, "shuffle_capacity", capacity, "seed", 3))));
  }

  static List<Example> stream(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] w = {1.5, -2, 0.5, 1};
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] x = new double[4];
      double z = 0.2;
      for (int j = 0; j < 4; j++) {
        x[j] = r.nextGaussian();
        z += w[j] * x[j];
      }
      double y = r.nextDouble() < 1 / (1 + Math.exp(-2 * z)) ? 1 : 0;
      out.add(Example.dense(x, y).setModelId("m").setEventTime(1000L * i));
    }
    return out;
  }

  /** The reference: predict sample i with the model trained on samples 0..i-1-delay, one step per sample. */
  static double[] plainLoop(TrainingConfig cfg, List<Example> data, int delay, double[] finalParams) {
    ModelTrainer t = new ModelTrainer(cfg);
    Model model = t.model();
    TrainerState s = t.newState("m");
    double[] p = new double[data.size()];
    double[] out = new double[1];
    int trained = 0;
    for (int i = 0; i < data.size(); i++) {
      model.predict(s.params, s.buffers, data.get(i), out);
      p[i] = out[0];
      if (i - delay >= 0) {
        t.train(s, List.of(data.get(i - delay)));
        trained++;
      }
    }
    for (int i = trained; i < data.size(); i++) {
      t.train(s, List.of(data.get(i)));
    }
    System.arraycopy(s.params, 0, finalParams, 0, finalParams.length);
    double loss = 0;
    int correct = 0;
    for (int i = 0; i < data.size(); i++) {
      double y = data.get(i).label();
      loss += y == 1 ? -Math.log(p[i]) : -Math.log(1 - p[i]);
      correct += (p[i] > 0.5) == (y == 1) ? 1 : 0;
    }
    return new double[] {loss / data.size(), (double) correct / data.size()};
  }

  @Test
  void testThenTrainMatchesAPlainLoop() {
    TrainingConfig cfg = config(1, 1, Map.of("type", "sgd", "lr", 0.1));
    List<Example> data = stream(2000, 1);
    double[] expectedParams = new double[5];
    double[] expected = plainLoop(cfg, data, 0, expectedParams);
    List<EvalPoint> points = new ArrayList<>();
    Prequential p = Prequential.prequential("sgd", "m", cfg, METRICS, LabelDelay.NONE, points::add);
    data.forEach(p::accept);
    p.finish();
    EvalPoint last = points.get(points.size() - 1);
    assertThat(last.last()).isTrue();
    assertThat(last.samples()).isEqualTo(2000);
    assertThat(last.steps()).isEqualTo(2000);
    assertThat(last.value("log_loss")).isCloseTo(expected[0], within(1e-12));
    assertThat(last.value("accuracy")).isEqualTo(expected[1]);
    assertThat(last.value("accuracy")).isGreaterThan(0.8);
    assertThat(p.params()).isEqualTo(expectedParams);
    // A point every 250 scored samples, then the final one.
    assertThat(points).hasSize(9);
    assertThat(points.get(0).samples()).isEqualTo(250);
  }

  @Test
  void labelDelayScoresEarlierPredictionsAndTrainsOnTheSameSequence() {
    TrainingConfig cfg = config(1, 1, Map.of("type", "adam", "lr", 0.05));
    List<Example> data = stream(1500, 2);
    int delay = 40;
    double[] expectedParams = new double[5];
    double[] expected = plainLoop(cfg, data, delay, expectedParams);
    List<EvalPoint> points = new ArrayList<>();
    Prequential p = Prequential.prequential("adam", "m", cfg, METRICS, new LabelDelay(delay, 0), points::add);
    for (int i = 0; i < data.size(); i++) {
      p.accept(data.get(i));
      assertThat(p.pendingLabels()).isEqualTo(Math.min(i + 1, delay));
    }
    p.finish();
    EvalPoint last = points.get(points.size() - 1);
    assertThat(last.value("log_loss")).isCloseTo(expected[0], within(1e-12));
    assertThat(last.value("accuracy")).isEqualTo(expected[1]);
    assertThat(p.params()).isEqualTo(expectedParams);
    // The training sequence is the undelayed one: same parameters as no delay at all.
    double[] undelayed = new double[5];
    double[] plain = plainLoop(cfg, data, 0, undelayed);
    assertThat(p.params()).isEqualTo(undelayed);
    // Predicting with a model 40 samples staler costs something early on.
    assertThat(expected[0]).isGreaterThan(plain[0]);
  }

  @Test
  void eventTimeDelayWaitsForTheStreamToPassTheSample() {
    TrainingConfig cfg = config(1, 1, Map.of("type", "sgd", "lr", 0.1));
    List<Example> data = stream(100, 3);
    // Samples are 1 s apart: a 10 s delay keeps the last 10 samples' labels pending.
    Prequential p = Prequential.prequential("sgd", "m", cfg, METRICS, new LabelDelay(0, 10_000), null);
    data.forEach(p::accept);
    assertThat(p.pendingLabels()).isEqualTo(10);
    assertThat(p.state().step).isEqualTo(90);
    p.finish();
    assertThat(p.state().step).isEqualTo(100);
    double[] undelayed = new double[5];
    plainLoop(cfg, data, 0, undelayed);
    assertThat(p.params()).isEqualTo(undelayed);
  }

  @Test
  void holdoutScoresAFixedModel() {
    TrainingConfig cfg = config(1, 1, Map.of("type", "sgd", "lr", 0.1));
    Model model = cfg.model().newModel(1);
    double[] params = {0.5, -1, 0.2, 0.3, 0.1};
    List<Example> data = stream(500, 4);
    List<EvalPoint> points = new ArrayList<>();
    Prequential h = Prequential.holdout("v3", "m", model, params, new double[0], METRICS, points::add);
    data.forEach(h::accept);
    h.finish();
    double loss = 0;
    for (Example e : data) {
      double z = params[4];
      for (int j = 0; j < 4; j++) {
        z += params[j] * e.denseValue(j);
      }
      double pr = 1 / (1 + Math.exp(-z));
      loss += e.label() == 1 ? -Math.log(pr) : -Math.log(1 - pr);
    }
    EvalPoint last = points.get(points.size() - 1);
    assertThat(last.mode()).isEqualTo("holdout");
    assertThat(last.value("log_loss")).isCloseTo(loss / 500, within(1e-12));
    assertThat(h.params()).containsExactly(0.5, -1, 0.2, 0.3, 0.1);
  }

  @Test
  void invalidSamplesAreCountedNotTrained() {
    TrainingConfig cfg = config(1, 1, Map.of("type", "sgd", "lr", 0.1));
    Prequential p = Prequential.prequential("sgd", "m", cfg, METRICS, LabelDelay.NONE, null);
    RejectReason why = p.accept(Example.dense(new double[] {1, 2}, 1).setModelId("m"));
    assertThat(why).isNotEqualTo(RejectReason.OK);
    assertThat(p.rejected()).isEqualTo(1);
    assertThat(p.evaluation().samples()).isZero();
  }

  @Test
  void configsSideBySideSeeTheSameSamples() {
    Map<String, Object> sgd = Map.of("type", "sgd", "lr", 0.1);
    TrainingConfig a = config(8, 64, sgd);
    TrainingConfig b = config(8, 64, Map.of("type", "adam", "lr", 0.01));
    List<EvalPoint> points = new ArrayList<>();
    PrequentialRun run = new PrequentialRun(List.of(
        new PrequentialRun.Config("sgd", id -> a),
        new PrequentialRun.Config("adam", id -> b),
        new PrequentialRun.Config("sgd-again", id -> config(8, 64, sgd)),
        new PrequentialRun.Config("only-x", id -> id.equals("x") ? a : null)),
        METRICS, LabelDelay.NONE, points::add);
    List<Example> data = stream(1000, 5);
    data.forEach(run::accept);
    run.finish();
    assertThat(run.get("sgd", "m").evaluation().samples()).isEqualTo(1000);
    assertThat(run.get("adam", "m").evaluation().samples()).isEqualTo(1000);
    assertThat(run.get("only-x", "m")).isNull();
    assertThat(run.unknown()).isEqualTo(1000);
    // Batches of 8 from a buffer of 64: 1000 / 8 = 125 steps, the last flush included.
    assertThat(run.get("sgd", "m").state().step).isEqualTo(125);
    assertThat(run.get("sgd", "m").params()).isEqualTo(run.get("sgd-again", "m").params());
    assertThat(run.get("sgd", "m").params()).isNotEqualTo(run.get("adam", "m").params());
    assertThat(points.stream().filter(EvalPoint::last).map(EvalPoint::config))
        .containsExactly("sgd", "adam", "sgd-again");
  }
}
