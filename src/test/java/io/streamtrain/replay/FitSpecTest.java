package io.streamtrain.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.fit.FitListener;
import io.streamtrain.core.model.Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fit specs without Kafka: a file source (the bundled breast-cancer CSV, standardized) fitted by Newton-CG, L-BFGS
 * and Polak-Ribiere CG reaches one optimum (the three agree, and the gradient over the file's rows, computed here
 * in one batch, is within each tolerance); malformed specs name the key.
 */
class FitSpecTest {
  @TempDir Path tmp;

  Map<String, Object> spec(Map<String, Object> method) throws Exception {
    Path job = tmp.resolve("job.json");
    Files.writeString(job, "{\"name\": \"bc\", \"model\": {\"type\": \"logistic\", \"features\": {\"dense\": 30},"
        + " \"l2\": 0.01}, \"optimizer\": {\"type\": \"sgd\", \"lr\": 0.1}, \"accept\": \".*\"}");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "bc-fit");
    m.put("mode", "fit");
    m.put("source", Map.of("file", "datasets/breast_cancer.csv", "label", "target", "model_id", "bc",
        "standardize", true));
    m.put("job", job.toString());
    m.put("model_id", "bc");
    m.put("batch_rows", 100);
    m.put("method", method);
    m.put("publish", false);
    return m;
  }

  @Test
  void threeMethodsReachOneOptimumOfAFile() throws Exception {
    List<double[]> optima = new ArrayList<>();
    for (Map<String, Object> method : List.<Map<String, Object>>of(
        Map.of("type", "newton_cg", "tolerance_grad", 1e-9),
        Map.of("type", "lbfgs", "tolerance_grad", 1e-7, "tolerance_change", 0.0),
        Map.of("type", "cg", "tolerance_grad", 1e-7))) {
      FitSpec fs = new FitSpec(spec(method), Path.of("."));
      List<FitListener.Iteration> its = new ArrayList<>();
      FitRunner.Outcome o = FitRunner.run(fs, null, its::add);
      assertThat(o.result().converged()).as(method + ": " + o.result().reason()).isTrue();
      assertThat(o.rows()).isEqualTo(569);
      assertThat(o.batches()).isEqualTo(6);
      assertThat(o.topic()).isNull();
      assertThat(its).isNotEmpty();
      assertThat(o.result().loss()).isLessThan(o.initialLoss());
      // The gradient over all rows in one batch, independent of the fit's batching.
      FitSamples.Data d = FitSamples.read(fs, null);
      Model m = fs.config().model().newModel(569);
      Batch all = m.newBatch(569);
      for (Batch b : d.batches()) {
        for (int i = 0; i < b.size(); i++) {
          all.addRowFrom(b, i);
        }
      }
      double[] g = new double[m.numParams()];
      m.lossAndGradient(o.params(), all, g);
      double gmax = 0;
      for (double x : g) {
        gmax = Math.max(gmax, Math.abs(x));
      }
      double tol = ((Number) method.get("tolerance_grad")).doubleValue();
      assertThat(gmax).as(method.toString()).isLessThanOrEqualTo(tol * 1.001);
      optima.add(o.params());
    }
    // l2 = 0.01 makes the objective 0.01-strongly convex: |x - x*| <= |g| / 0.01, so 1e-7 gradients agree to ~1e-5.
    for (int k = 1; k < optima.size(); k++) {
      for (int i = 0; i < optima.get(0).length; i++) {
        assertThat(optima.get(k)[i]).isCloseTo(optima.get(0)[i], org.assertj.core.api.Assertions.within(1e-4));
      }
    }
  }

  @Test
  void malformedSpecsNameTheKey() throws Exception {
    Map<String, Object> noMode = spec(Map.of("type", "newton_cg"));
    noMode.remove("mode");
    assertThatThrownBy(() -> new FitSpec(noMode, Path.of("."))).isInstanceOf(SpecException.class)
        .hasMessageStartingWith("mode:");
    assertThatThrownBy(() -> new FitSpec(spec(Map.of("type", "bfgs")), Path.of("."))).isInstanceOf(SpecException.class)
        .hasMessageContaining("method.type").hasMessageContaining("newton_cg, lbfgs, cg");
    assertThatThrownBy(() -> new FitSpec(spec(Map.of("type", "newton_cg", "radius", 2)), Path.of(".")))
        .isInstanceOf(SpecException.class).hasMessageStartingWith("method.radius: unknown key");
    assertThatThrownBy(() -> new FitSpec(spec(Map.of("type", "lbfgs", "line_search_fn", "armijo")), Path.of(".")))
        .isInstanceOf(SpecException.class).hasMessageContaining("method.line_search_fn");
    Map<String, Object> wrongId = spec(Map.of("type", "newton_cg"));
    wrongId.put("model_id", "nope");
    Map<String, Object> job = new LinkedHashMap<>(wrongId);
    Files.writeString(tmp.resolve("job.json"), "{\"name\": \"bc\", \"model\": {\"type\": \"logistic\", \"features\":"
        + " {\"dense\": 30}}, \"optimizer\": {\"type\": \"sgd\", \"lr\": 0.1}, \"accept\": \"bc\"}");
    assertThatThrownBy(() -> new FitSpec(job, Path.of("."))).isInstanceOf(SpecException.class)
        .hasMessageStartingWith("model_id:");
  }
}
