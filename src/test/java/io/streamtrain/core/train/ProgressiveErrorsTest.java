package io.streamtrain.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.data.Example;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link ModelTrainer#lastErrors()}, the per-sample signal of the drift detectors, on the dense and the sparse
 * path: equal to the errors of the model's own single-example prediction at the parameters before each step
 * (class 1 when the probability is >= 0.5), and their count equal to the step's progressive count.
 */
class ProgressiveErrorsTest {
  @Test
  void errorsArePredictionsBeforeTheStepOnBothPaths() {
    for (String path : new String[] {"dense", "sparse"}) {
      TrainingConfig cfg = SparsePathTest.config(SparsePathTest.hashed(Map.of("type", "sgd", "lr", 0.5), path));
      ModelTrainer t = new ModelTrainer(cfg);
      assertThat(t.path().sparse()).isEqualTo(path.equals("sparse"));
      TrainerState s = t.newState("m");
      double[] out = new double[1];
      int wrongSeen = 0;
      for (List<Example> batch : SparsePathTest.clicks(40, 9)) {
        byte[] expected = new byte[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
          t.model().predict(s.params, s.buffers, batch.get(i), out);
          int predicted = out[0] >= 0.5 ? 1 : 0;
          expected[i] = predicted == (int) batch.get(i).label() ? (byte) 0 : (byte) 1;
        }
        ModelTrainer.StepResult r = t.train(s, batch);
        byte[] got = java.util.Arrays.copyOf(t.lastErrors(), batch.size());
        assertThat(got).as(path).isEqualTo(expected);
        int wrong = 0;
        for (byte b : got) {
          wrong += b;
        }
        assertThat(r.correct).isEqualTo(batch.size() - wrong);
        wrongSeen += wrong;
      }
      assertThat(wrongSeen).as(path + ": some errors to compare").isGreaterThan(20);
    }
  }
}
