package io.streamtrain.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.random.Xoshiro256;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.core.train.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Every model family, trained a little by the core so its parameters (and batch-norm and input-scaling
 * statistics) are far from their initial values, exported to ONNX and run by ONNX Runtime on 1,000 rows it was
 * not trained on: the runtime's outputs equal the core's evaluation-mode predictions within 1e-12 for the float64
 * graph, and within 1e-6 (times the prediction's magnitude when above 1) for the float32 graph.
 */
class OnnxExporterTest {
  static final int DENSE = 6;
  static final double[] SCALE = {1e3, 1e-3, 1.0, 50.0, 1e-2, 3.0};
  static final double[] SHIFT = {5e3, -2e-3, 0.0, 100.0, 1e-2, -4.0};

  /** The label a row's features imply: real, binary or one of 3 classes. */
  enum Label { REAL, BINARY, CLASSES }

  record Case(String name, Map<String, Object> model, Map<String, Object> optimizer, Label label, boolean hashed,
      boolean raw, String output) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> cases() {
    Map<String, Object> dense = Map.of("dense", DENSE);
    return Stream.of(
        new Case("linear", Map.of("type", "linear", "features", dense), Map.of("type", "sgd", "lr", 0.05), Label.REAL,
            false, false, "value"),
        new Case("logistic", Map.of("type", "logistic", "features", dense, "l2", 0.01),
            Map.of("type", "adam", "lr", 0.05),
            Label.BINARY, false, false, "probability"),
        new Case("softmax", Map.of("type", "softmax", "features", dense, "classes", 3),
            Map.of("type", "adam", "lr", 0.05),
            Label.CLASSES, false, false, "probabilities"),
        new Case("mlp tanh batch-norm softmax", Map.of("type", "mlp", "layers", List.of(DENSE, 8, 5, 3), "activation",
            "tanh", "batch_norm", true, "head", "softmax"), Map.of("type", "adam", "lr", 0.02), Label.CLASSES, false,
            false, "probabilities"),
        new Case("mlp relu batch-norm linear", Map.of("type", "mlp", "layers", List.of(DENSE, 10, 1), "activation",
            "relu", "batch_norm", true, "head", "linear"), Map.of("type", "adam", "lr", 0.02), Label.REAL, false, false,
            "value"),
        new Case("mlp sigmoid dropout logistic", Map.of("type", "mlp", "layers", List.of(DENSE, 7, 1), "activation",
            "sigmoid", "dropout", 0.2, "head", "logistic"), Map.of("type", "adam", "lr", 0.05), Label.BINARY, false,
            false, "probability"),
        new Case("hashed logistic", Map.of("type", "logistic", "features", Map.of("dense", 2, "hash_bits", 10)),
            Map.of("type", "adagrad", "lr", 0.2), Label.BINARY, true, false, "probability"),
        new Case("logistic with input scaling", Map.of("type", "logistic", "features", dense, "scaling",
            Map.of("mode", "running")), Map.of("type", "sgd", "lr", 0.5), Label.BINARY, false, true, "probability"),
        new Case("mlp with input scaling and batch norm", Map.of("type", "mlp", "layers", List.of(DENSE, 8, 1),
            "activation", "relu", "batch_norm", true, "head", "linear", "scaling", Map.of("mode", "decaying", "decay",
            0.999)), Map.of("type", "adam", "lr", 0.02), Label.REAL, false, true, "value"))
        .map(Arguments::of);
  }

  /** A row: N(0, 1) features (scaled and shifted per SCALE and SHIFT when raw), a label from a fixed rule. */
  static Example example(Xoshiro256 g, Case c) {
    Example e = new Example().setWeight(1);
    double z0 = 0.3;
    double z1 = -0.2;
    double z2 = 0.1;
    int d = c.hashed ? 2 : DENSE;
    double[] x = new double[d];
    for (int j = 0; j < d; j++) {
      double v = g.nextGaussian();
      z0 += (j % 2 == 0 ? 1.2 : -0.8) * v;
      z1 += (j % 3 == 0 ? 0.9 : 0.4) * v * v - 0.5;
      z2 += (j < 3 ? -1.0 : 0.6) * v;
      x[j] = c.raw ? v * SCALE[j] + SHIFT[j] : v;
    }
    e.setDense(x, d);
    if (c.hashed) {
      int site = (int) (g.nextDouble() * 20);
      int ad = (int) (g.nextDouble() * 50);
      e.addCategorical("site", "s" + site).addCategorical("ad", "a" + ad);
      double price = g.nextDouble() * 3;
      e.addNumeric("price", price);
      z0 += (site % 3 - 1) * 1.5 + (ad % 5 - 2) * 0.7 - 0.4 * price;
    }
    switch (c.label) {
      case REAL:
        e.setLabel(z0 + 0.5 * z1 + 0.1 * g.nextGaussian());
        break;
      case BINARY:
        e.setLabel(g.nextDouble() < 1.0 / (1.0 + Math.exp(-z0)) ? 1 : 0);
        break;
      default:
        double[] s = {z0 + g.nextGaussian(), z1 + g.nextGaussian(), z2 + g.nextGaussian()};
        e.setLabel(s[0] >= s[1] && s[0] >= s[2] ? 0 : (s[1] >= s[2] ? 1 : 2));
        break;
    }
    return e;
  }

  /** The case's model trained on 3,000 rows in batches of 32. */
  static TrainerState train(Case c, ModelTrainer t) {
    Xoshiro256 g = new Xoshiro256(7);
    TrainerState s = t.newState("m");
    for (int step = 0; step < 3000 / 32; step++) {
      List<Example> b = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        b.add(example(g, c));
      }
      t.train(s, b);
    }
    return s;
  }

  static ModelTrainer trainer(Case c) {
    return new ModelTrainer(TrainingConfig.fromSpec(new SpecReader("", Map.of("model", c.model, "optimizer",
        c.optimizer, "batching", Map.of("batch_size", 32)))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void onnxRuntimeGivesTheCorePredictions(Case c) throws Exception {
    ModelTrainer t = trainer(c);
    TrainerState s = train(c, t);
    Model model = t.model();
    double[] init = new double[model.numParams()];
    model.init(init, model.spec().seed());
    double moved = 0;
    for (int i = 0; i < init.length; i++) {
      moved += (s.params[i] - init[i]) * (s.params[i] - init[i]);
    }
    assertThat(Math.sqrt(moved)).as("distance trained from the initial parameters").isGreaterThan(0.1);
    if (model.numBuffers() > 0) {
      double[] b0 = new double[model.numBuffers()];
      model.initBuffers(b0);
      for (int i = 0; i < b0.length; i++) {
        assertThat(s.buffers[i]).as("buffer " + i + " moved by training").isNotEqualTo(b0[i]);
      }
    }

    Xoshiro256 g = new Xoshiro256(99);
    int n = 1000;
    Batch batch = new Batch(model.featureSpace(), n);
    for (int i = 0; i < n; i++) {
      batch.add(example(g, c));
    }
    int k = model.outputDim();
    double[] core = new double[n * k];
    model.predict(s.params, s.buffers, batch, core);
    double[][] x = new double[n][model.spec().inputDim()];
    for (int i = 0; i < n; i++) {
      OnnxExporter.inputRow(batch, i, x[i]);
    }
    double mean = 0;
    double sq = 0;
    for (int i = 0; i < n; i++) {
      mean += core[i * k] / n;
      sq += core[i * k] * core[i * k] / n;
    }
    assertThat(Math.sqrt(sq - mean * mean)).as("spread of the predictions").isGreaterThan(0.01);

    for (Precision p : Precision.values()) {
      byte[] onnx = OnnxExporter.export(model.spec(), s.params, s.buffers, p, Map.of("model_id", "m"));
      try (OrtRunner ort = new OrtRunner(onnx)) {
        assertThat(ort.inputNames()).containsExactly(OnnxExporter.INPUT);
        assertThat(ort.outputNames()).containsExactly(c.output);
        double[][] y = p == Precision.FLOAT64 ? ort.run(x) : ort.runFloat(x);
        assertThat(y.length).isEqualTo(n);
        double worst = 0;
        for (int i = 0; i < n; i++) {
          assertThat(y[i].length).isEqualTo(k);
          for (int j = 0; j < k; j++) {
            double want = core[i * k + j];
            double err = Math.abs(y[i][j] - want) / (p == Precision.FLOAT64 ? 1.0 : Math.max(1.0, Math.abs(want)));
            worst = Math.max(worst, err);
          }
        }
        System.out.printf("%s %s: worst difference %.3g%n", c.name, p.cliName, worst);
        assertThat(worst).as(c.name + " " + p.cliName).isLessThanOrEqualTo(p == Precision.FLOAT64 ? 1e-12 : 1e-6);
      }
    }
  }

  @Test
  void badVectorsAreClearErrors() {
    Case c = (Case) cases().findFirst().orElseThrow().get()[0];
    Model model = trainer(c).model();
    double[] params = new double[model.numParams()];
    assertThatThrownBy(() -> OnnxExporter.export(model.spec(), new double[3], new double[0], Precision.FLOAT64,
        Map.of())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs " + params.length);
    params[2] = 1e300;
    assertThatThrownBy(() -> OnnxExporter.export(model.spec(), params, new double[0], Precision.FLOAT32,
        Map.of())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("weight[2] = 1.0E300 is not a finite float32 value");
  }
}
