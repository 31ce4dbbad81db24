package io.streamtrain.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.metric.Task;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.core.train.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The trivial baseline against hand-computed predictions; a test split against direct scoring of the trained model. */
class BaselineAndSplitTest {

  @Test
  void binaryPriorIsLaplaceSmoothedFrequency() {
    // Labels 1, 1, 0: predictions (0+1)/(0+2) = 1/2, (1+1)/(1+2) = 2/3, (2+1)/(2+2) = 3/4.
    // Log loss (ln 2 + ln 3/2 + ln 4) / 3; accuracy: 0.5 is class 0 (wrong), 2/3 right, 3/4 wrong: 1/3.
    List<EvalPoint> points = new ArrayList<>();
    Prequential b = Prequential.baseline("(baseline)", "m", PrequentialTest.config(1, 1,
        Map.of("type", "sgd", "lr", 0.1)), PrequentialTest.METRICS, LabelDelay.NONE, points::add);
    double[] labels = {1, 1, 0};
    for (double y : labels) {
      b.accept(Example.dense(new double[] {1, 2, 3, 4}, y).setModelId("m"));
    }
    b.finish();
    EvalPoint last = points.get(points.size() - 1);
    assertThat(last.mode()).isEqualTo(Prequential.BASELINE);
    assertThat(last.value("log_loss")).isCloseTo((Math.log(2) + Math.log(1.5) + Math.log(4)) / 3, within(1e-15));
    assertThat(last.value("accuracy")).isCloseTo(1.0 / 3, within(1e-15));
    assertThat(last.steps()).isZero();
    // Confusion on the final point: true 1 predicted 0, true 1 predicted 1, true 0 predicted 1.
    assertThat(last.value("confusion.1.0")).isEqualTo(1.0);
    assertThat(last.value("confusion.1.1")).isEqualTo(1.0);
    assertThat(last.value("confusion.0.1")).isEqualTo(1.0);
    assertThat(last.value("confusion.0.0")).isEqualTo(0.0);
  }

  @Test
  void multiClassAndRegressionPriors() {
    Prior p = new Prior(Task.MULTICLASS, 3);
    double[] out = new double[3];
    p.update(2);
    p.update(2);
    p.update(0);
    p.predict(out);
    // Counts 1, 0, 2 of 3: (1+1)/6, (0+1)/6, (2+1)/6.
    assertThat(out).containsExactly(2.0 / 6, 1.0 / 6, 3.0 / 6);
    Prior r = new Prior(Task.REGRESSION, 1);
    double[] v = new double[1];
    r.predict(v);
    assertThat(v[0]).isZero();
    for (double y : new double[] {1, 2, 6}) {
      r.update(y);
    }
    r.predict(v);
    assertThat(v[0]).isCloseTo(3.0, within(1e-15));
  }

  @Test
  void testPartIsScoredByTheTrainedModelAndNeverTrained() {
    TrainingConfig cfg = PrequentialTest.config(4, 8, Map.of("type", "adam", "lr", 0.05));
    List<Example> data = PrequentialTest.stream(300, 11);
    int trainN = 200;
    List<EvalPoint> points = new ArrayList<>();
    Prequential p = Prequential.prequential("c", "m", cfg, new io.streamtrain.core.metric.MetricsSpec(100, 0.99, 0.5,
        50), LabelDelay.NONE, points::add).testAfter(trainN);
    // Reference: the same training part through a plain prequential run, then the test part scored directly.
    Prequential ref = Prequential.prequential("c", "m", cfg, PrequentialTest.METRICS, LabelDelay.NONE, null);
    for (int i = 0; i < trainN; i++) {
      ref.accept(data.get(i));
    }
    ref.finish();
    double[] trained = ref.params().clone();
    for (Example e : data) {
      p.accept(e);
    }
    p.finish();
    assertThat(p.params()).containsExactly(trained);
    Model model = new ModelTrainer(cfg).model();
    double loss = 0;
    int correct = 0;
    double[] out = new double[1];
    for (int i = trainN; i < data.size(); i++) {
      model.predict(trained, new double[0], data.get(i), out);
      double y = data.get(i).label();
      loss += y == 1 ? -Math.log(out[0]) : -Math.log(1 - out[0]);
      correct += (out[0] > 0.5) == (y == 1) ? 1 : 0;
    }
    EvalPoint last = points.get(points.size() - 1);
    assertThat(last.samples()).isEqualTo(trainN);
    assertThat(last.value("test_log_loss")).isCloseTo(loss / 100, within(1e-12));
    assertThat(last.value("test_accuracy")).isCloseTo(correct / 100.0, within(1e-15));
    assertThat(p.testEvaluation().samples()).isEqualTo(100);
    assertThat(last.value("window_test_log_loss")).isNaN();
    // Intermediate points exist before the test part and say so with NaN.
    assertThat(points).hasSize(5);
    assertThat(points.get(0).value("test_log_loss")).isNaN();
    assertThat(points.get(0).value("log_loss")).isFinite();
    assertThat(ref.state().step).isEqualTo(p.state().step);
    TrainerState s = p.state();
    assertThat(s.samplesSeen).isEqualTo(trainN);
  }

  /** The replay mirrors the batcher's growing buffer: 13 steps within the first 100 samples (see MiniBatcherFunctionTest). */
  @Test
  void prequentialMirrorsAGrowingShuffleBuffer() {
    TrainingConfig grow = TrainingConfig.fromSpec(new SpecReader("", Map.of(
        "model", Map.of("type", "logistic", "features", Map.of("dense", 4)),
        "optimizer", Map.of("type", "sgd", "lr", 0.1),
        "batching", Map.of("batch_size", 4, "shuffle_capacity", 64, "seed", 3, "shuffle_grow", true))));
    assertThat(grow.batching().fill(0)).isEqualTo(4);
    assertThat(grow.batching().fill(50)).isEqualTo(25);
    assertThat(grow.batching().fill(1000)).isEqualTo(64);
    Prequential p = Prequential.prequential("c", "m", grow, PrequentialTest.METRICS, LabelDelay.NONE, null);
    for (Example e : PrequentialTest.stream(100, 5)) {
      p.accept(e);
    }
    assertThat(p.state().step).isEqualTo(13);
    p.finish();
    assertThat(p.state().step).isEqualTo(25);
  }
}
