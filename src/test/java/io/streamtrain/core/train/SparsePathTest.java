package io.streamtrain.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.random.Xoshiro256;
import io.streamtrain.core.train.ModelTrainer.StepResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The sparse training path end to end in the core: which configurations take it (and the reason given for those
 * that do not), and that a sparse-path trainer follows the dense-path trajectory of the same configuration (sgd and
 * adagrad, with clipping, a schedule and the loss guard), reporting the same loss, gradient norm, clip figures and
 * progressive accuracy.
 */
class SparsePathTest {
  static Map<String, Object> hashed(Map<String, Object> optimizer, String path) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", Map.of("type", "logistic", "features", Map.of("dense", 2, "hash_bits", 12), "init", "normal",
        "seed", 4));
    m.put("optimizer", optimizer);
    m.put("batching", Map.of("batch_size", 16));
    if (path != null) {
      m.put("training_path", path);
    }
    return m;
  }

  static TrainingConfig config(Map<String, Object> m) {
    return TrainingConfig.fromSpec(new SpecReader("", m));
  }

  static List<List<Example>> clicks(int batches, long seed) {
    Xoshiro256 g = new Xoshiro256(seed);
    List<List<Example>> out = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      List<Example> batch = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        Example e = new Example();
        e.addDense(g.nextGaussian()).addDense(g.nextGaussian());
        long site = Math.floorMod(g.nextLong(), 30L);
        long user = Math.floorMod(g.nextLong(), 500L);
        e.addCategorical("site", "s" + site).addCategorical("user", "u" + user);
        e.setLabel(site % 3 == 0 || g.nextGaussian() > 1 ? 1 : 0);
        e.setWeight(1);
        batch.add(e);
      }
      out.add(batch);
    }
    return out;
  }

  @Test
  void autoTakesTheSparsePathWhereItIsExact() {
    assertThat(config(hashed(Map.of("type", "adagrad", "lr", 0.1), null)).trainingPath().sparse()).isTrue();
    assertThat(config(hashed(Map.of("type", "ftrl"), null)).trainingPath().sparse()).isTrue();
    assertThat(config(hashed(Map.of("type", "sparse_adam"), null)).trainingPath().sparse()).isTrue();
    assertThat(config(hashed(Map.of("type", "sgd", "lr", 0.1), null)).trainingPath().sparse()).isTrue();
    TrainingPath adam = config(hashed(Map.of("type", "adam"), null)).trainingPath();
    assertThat(adam.sparse()).isFalse();
    assertThat(adam.reason()).contains("adam").contains("sparse_adam");
    assertThat(config(hashed(Map.of("type", "sgd", "lr", 0.1, "momentum", 0.9), null)).trainingPath().sparse())
        .isFalse();
    assertThat(config(hashed(Map.of("type", "adagrad"), "dense")).trainingPath().sparse()).isFalse();
    Map<String, Object> dense = hashed(Map.of("type", "adagrad"), null);
    dense.put("model", Map.of("type", "logistic", "features", Map.of("dense", 3)));
    assertThat(config(dense).trainingPath().reason()).contains("dense features only");
  }

  @Test
  void demandingTheSparsePathWhereItIsNotExactFailsBeforeTheJob() {
    assertThatThrownBy(() -> config(hashed(Map.of("type", "adam"), "sparse")))
        .isInstanceOf(SpecException.class).hasMessageContaining("training_path").hasMessageContaining("adam");
    assertThatThrownBy(() -> config(hashed(Map.of("type", "adagrad"), "fast")))
        .isInstanceOf(SpecException.class).hasMessageContaining("training_path").hasMessageContaining("auto");
  }

  @Test
  void sparseTrainerFollowsTheDenseTrajectory() {
    List<Map<String, Object>> optimizers = List.of(
        Map.of("type", "sgd", "lr", 0.5),
        Map.of("type", "adagrad", "lr", 0.3, "lr_decay", 0.001));
    for (Map<String, Object> opt : optimizers) {
      Map<String, Object> sparseSpec = hashed(opt, "sparse");
      sparseSpec.put("clip", Map.of("type", "norm", "max_norm", 0.4));
      sparseSpec.put("schedule", Map.of("type", "StepLR", "step_size", 10, "gamma", 0.7));
      sparseSpec.put("guard", Map.of("loss_spike_factor", 3.0));
      Map<String, Object> denseSpec = new LinkedHashMap<>(sparseSpec);
      denseSpec.put("training_path", "dense");
      ModelTrainer sparse = new ModelTrainer(config(sparseSpec));
      ModelTrainer dense = new ModelTrainer(config(denseSpec));
      assertThat(sparse.path().sparse()).isTrue();
      assertThat(dense.path().sparse()).isFalse();
      TrainerState s = sparse.newState("m");
      TrainerState d = dense.newState("m");
      assertThat(s.params).containsExactly(d.params);
      int clipped = 0;
      for (List<Example> batch : clicks(60, 21)) {
        StepResult rs = sparse.train(s, batch);
        double ls = rs.loss;
        double gs = rs.gradNorm;
        int cs = rs.correct;
        boolean clip = rs.clipped;
        StepResult rd = dense.train(d, batch);
        assertThat(ls).isCloseTo(rd.loss, org.assertj.core.api.Assertions.within(1e-12 * Math.abs(rd.loss)));
        assertThat(gs).isCloseTo(rd.gradNorm, org.assertj.core.api.Assertions.within(1e-12 * rd.gradNorm));
        assertThat(cs).isEqualTo(rd.correct);
        assertThat(clip).isEqualTo(rd.clipped);
        clipped += clip ? 1 : 0;
      }
      assertThat(clipped).as("the clipping stage was exercised").isPositive();
      assertThat(s.step).isEqualTo(d.step);
      for (int i = 0; i < s.params.length; i++) {
        assertThat(Math.abs(s.params[i] - d.params[i])).as(opt.get("type") + " param " + i)
            .isLessThanOrEqualTo(1e-11 * Math.abs(d.params[i]) + 1e-15);
      }
      assertThat(s.lastParamNorm).isCloseTo(d.lastParamNorm, org.assertj.core.api.Assertions.within(0.5));
    }
  }
}
