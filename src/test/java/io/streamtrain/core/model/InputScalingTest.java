package io.streamtrain.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
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
 * Online input scaling ({@code model.scaling}): its statistics equal the two-pass figures of the samples they
 * cover (all, the first N, or decay-weighted); a logistic model on features scaled by 1e3 and 1e-3 reaches, with
 * the same learning rate, the loss it reaches on the same features standardized offline, within 1% (and without
 * scaling it does not); evaluation applies the statistics in the buffers, as serving does.
 */
class InputScalingTest {
  static final double[] SCALE = {1e3, 1e-3, 1e3, 1e-3};
  static final double[] SHIFT = {5e3, -2e-3, 0.0, 1e-2};
  static final double[] W = {1.5, -2.0, 0.7, 1.0};

  /** 8,000 rows of 4 features N(0, 1) with logistic labels; raw: scaled and shifted per SCALE and SHIFT. */
  static List<double[]> rows(boolean raw) {
    Xoshiro256 g = new Xoshiro256(21);
    List<double[]> out = new ArrayList<>();
    for (int i = 0; i < 8000; i++) {
      double[] r = new double[5];
      double z = 0.3;
      for (int j = 0; j < 4; j++) {
        double x = g.nextGaussian();
        z += W[j] * x;
        r[j] = raw ? x * SCALE[j] + SHIFT[j] : x;
      }
      r[4] = g.nextDouble() < 1.0 / (1.0 + Math.exp(-z)) ? 1 : 0;
      out.add(r);
    }
    return out;
  }

  /** The rows standardized with their own (offline, whole data set) mean and population deviation. */
  static List<double[]> standardized(List<double[]> raw) {
    double[] mean = new double[4];
    double[] sd = new double[4];
    for (double[] r : raw) {
      for (int j = 0; j < 4; j++) {
        mean[j] += r[j] / raw.size();
      }
    }
    for (double[] r : raw) {
      for (int j = 0; j < 4; j++) {
        sd[j] += (r[j] - mean[j]) * (r[j] - mean[j]) / raw.size();
      }
    }
    List<double[]> out = new ArrayList<>();
    for (double[] r : raw) {
      double[] s = r.clone();
      for (int j = 0; j < 4; j++) {
        s[j] = (r[j] - mean[j]) / Math.sqrt(sd[j]);
      }
      out.add(s);
    }
    return out;
  }

  static TrainingConfig config(Map<String, Object> scaling, String optimizer, double lr) {
    Map<String, Object> model = new LinkedHashMap<>(Map.of("type", "logistic", "features", Map.of("dense", 4)));
    if (scaling != null) {
      model.put("scaling", scaling);
    }
    return TrainingConfig.fromSpec(new SpecReader("", Map.of("model", model,
        "optimizer", Map.of("type", optimizer, "lr", lr), "batching", Map.of("batch_size", 32))));
  }

  static Example example(double[] r) {
    return new Example().setDense(java.util.Arrays.copyOf(r, 4), 4).setLabel(r[4]).setWeight(1);
  }

  /** Trains 3 passes in order, returns {mean log loss over all rows at the end (evaluation mode)}. */
  static double trainedLoss(TrainingConfig cfg, List<double[]> rows, TrainerState[] stateOut) {
    ModelTrainer t = new ModelTrainer(cfg);
    TrainerState s = t.newState("m");
    for (int pass = 0; pass < 3; pass++) {
      for (int i = 0; i < rows.size(); i += 32) {
        List<Example> b = new ArrayList<>();
        for (int k = i; k < i + 32; k++) {
          b.add(example(rows.get(k)));
        }
        t.train(s, b);
      }
    }
    Batch all = new Batch(t.model().featureSpace(), rows.size());
    for (double[] r : rows) {
      all.add(example(r));
    }
    if (stateOut != null) {
      stateOut[0] = s;
    }
    return t.model().evalLoss(s.params, s.buffers, all);
  }

  @Test
  void scaledFeaturesReachTheStandardizedLossWithTheSameLearningRate() {
    List<double[]> raw = rows(true);
    List<double[]> std = standardized(raw);
    for (String opt : new String[] {"sgd", "adam"}) {
      double lr = opt.equals("sgd") ? 0.5 : 0.05;
      double reference = trainedLoss(config(null, opt, lr), std, null);
      double scaled = trainedLoss(config(Map.of("mode", "running"), opt, lr), raw, null);
      double frozen = trainedLoss(config(Map.of("mode", "frozen", "freeze_after", 2000), opt, lr), raw, null);
      double unscaled = trainedLoss(config(null, opt, lr), raw, null);
      assertThat(scaled).as(opt).isCloseTo(reference, within(0.01 * reference));
      assertThat(frozen).as(opt).isCloseTo(reference, within(0.01 * reference));
      assertThat(Double.isNaN(unscaled) || unscaled > 1.5 * reference).as(opt + ": raw without scaling, "
          + unscaled + " against " + reference).isTrue();
    }
  }

  @Test
  void statisticsEqualTwoPassFiguresAndEvaluationAppliesThem() {
    List<double[]> raw = rows(true);
    for (Map<String, Object> sc : List.<Map<String, Object>>of(Map.of("mode", "running"),
        Map.of("mode", "frozen", "freeze_after", 1000), Map.of("mode", "decaying", "decay", 0.999))) {
      TrainerState[] st = new TrainerState[1];
      TrainingConfig cfg = config(sc, "sgd", 0.1);
      trainedLoss(cfg, raw, st);
      double[] b = st[0].buffers;
      int rowsSeen = 3 * raw.size();
      String mode = (String) sc.get("mode");
      // two-pass, weighted: row k of the 24,000 seen has weight decay^(rowsSeen - 1 - k) (1 without decay)
      int upto = mode.equals("frozen") ? 1000 : rowsSeen;
      double decay = mode.equals("decaying") ? 0.999 : 1.0;
      double wsum = 0;
      double[] mean = new double[4];
      for (int k = 0; k < upto; k++) {
        double w = Math.pow(decay, upto - 1 - k);
        wsum += w;
        for (int j = 0; j < 4; j++) {
          mean[j] += w * raw.get(k % raw.size())[j];
        }
      }
      assertThat(b[0]).as(mode + " count").isCloseTo(wsum, within(1e-9 * wsum));
      for (int j = 0; j < 4; j++) {
        mean[j] /= wsum;
        double var = 0;
        for (int k = 0; k < upto; k++) {
          double d = raw.get(k % raw.size())[j] - mean[j];
          var += Math.pow(decay, upto - 1 - k) * d * d;
        }
        var /= wsum;
        assertThat(b[1 + j]).as(mode + " mean " + j).isCloseTo(mean[j], within(1e-9 * Math.abs(SCALE[j]) + 1e-12));
        assertThat(b[5 + j] / b[0]).as(mode + " var " + j).isCloseTo(var, within(1e-9 * var));
      }
      // evaluation (and serving, which calls the same predict with the snapshot's buffers) standardizes with them
      Model m = cfg.model().newModel(1);
      double[] x = raw.get(17);
      double z = st[0].params[4];
      for (int j = 0; j < 4; j++) {
        z += st[0].params[j] * (x[j] - b[1 + j]) / Math.sqrt(b[5 + j] / b[0]);
      }
      double[] out = new double[1];
      m.predict(st[0].params, b, example(x), out);
      assertThat(out[0]).isCloseTo(1.0 / (1.0 + Math.exp(-z)), within(1e-12));
    }
  }

  @Test
  void specIsValidatedAndScalingTakesTheDensePath() {
    assertThatThrownBy(() -> config(Map.of("mode", "sometimes"), "sgd", 0.1)).isInstanceOf(SpecException.class)
        .hasMessageContaining("model.scaling.mode");
    assertThatThrownBy(() -> config(Map.of("mode", "running", "decay", 0.9), "sgd", 0.1))
        .hasMessageContaining("model.scaling.decay");
    TrainingConfig hashed = TrainingConfig.fromSpec(new SpecReader("", Map.of("model", Map.of("type", "logistic",
        "features", Map.of("dense", 2, "hash_bits", 10), "scaling", Map.of("mode", "running")),
        "optimizer", Map.of("type", "sgd", "lr", 0.1))));
    assertThat(hashed.trainingPath().sparse()).isFalse();
    assertThat(hashed.model().newModel(1).bufferLayout().size()).isEqualTo(InputScaling.size(2));
  }
}
