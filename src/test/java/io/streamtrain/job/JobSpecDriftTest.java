package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.drift.DriftConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The drift section: job-wide, replaced per model, validated against the model, outside the configuration. */
class JobSpecDriftTest {
  static Map<String, Object> spec() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("models", List.of(
        Map.of("match", "clf-.*", "model", Map.of("type", "logistic", "features", Map.of("dense", 3)),
            "optimizer", Map.of("type", "sgd", "lr", 0.1)),
        Map.of("match", "reg-.*", "model", Map.of("type", "linear", "features", Map.of("dense", 3)),
            "optimizer", Map.of("type", "sgd", "lr", 0.1),
            "drift", Map.of("detector", Map.of("type", "page_hinkley", "threshold", 5), "signal", "loss"))));
    m.put("drift", Map.of("detector", "eddm", "reaction", Map.of("type", "boost_lr", "factor", 2, "steps", 50)));
    return m;
  }

  @Test
  void jobWideSectionAndPerModelReplacement() {
    JobSpec s = JobSpec.fromMap(spec());
    DriftConfig clf = s.drift(s.configIndex("clf-1"));
    assertThat(clf.detector()).isEqualTo("eddm");
    assertThat(clf.signal()).isEqualTo(DriftConfig.Signal.ERROR);
    assertThat(clf.reaction()).isEqualTo(DriftConfig.Reaction.BOOST_LR);
    assertThat(clf.boostFactor()).isEqualTo(2.0);
    assertThat(clf.boostSteps()).isEqualTo(50);
    DriftConfig reg = s.drift(s.configIndex("reg-1"));
    assertThat(reg.detector()).isEqualTo("page_hinkley");
    assertThat(reg.signal()).isEqualTo(DriftConfig.Signal.LOSS);
    assertThat(reg.reaction()).isEqualTo(DriftConfig.Reaction.NONE);
    // not part of the training configuration a checkpoint identifies (a restart with drift on keeps the optimizer)
    assertThat(s.configMap(0)).doesNotContainKey("drift");
    assertThat(s.configMap(1)).doesNotContainKey("drift");
    // the section round-trips through its map (what a checkpoint stores)
    assertThat(DriftConfig.fromSpec(new io.streamtrain.core.SpecReader("drift", clf.toMap()))).isEqualTo(clf);
  }

  @Test
  void errorSignalNeedsAClassifier() {
    Map<String, Object> m = spec();
    m.put("models", List.of(Map.of("match", ".*", "model", Map.of("type", "linear", "features",
        Map.of("dense", 3)), "optimizer", Map.of("type", "sgd", "lr", 0.1))));
    m.put("drift", Map.of("detector", "adwin"));
    assertThatThrownBy(() -> JobSpec.fromMap(m)).isInstanceOf(SpecException.class)
        .hasMessageContaining("drift.signal").hasMessageContaining("classifiers only");
  }

  @Test
  void withoutSectionDriftIsOff() {
    Map<String, Object> m = spec();
    m.remove("drift");
    JobSpec s = JobSpec.fromMap(m);
    assertThat(s.drift(s.configIndex("clf-1"))).isNull();
  }

  @Test
  void dataParallelJobsRefuseDriftScalingAndNag() {
    Map<String, Object> m = spec();
    m.put("parallel", Map.of("workers", 2));
    assertThatThrownBy(() -> JobSpec.fromMap(m)).isInstanceOf(SpecException.class)
        .hasMessageContaining("parallel.workers").hasMessageContaining("drift detection runs in the single trainer");
    Map<String, Object> scaled = new LinkedHashMap<>();
    scaled.put("model", Map.of("type", "logistic", "features", Map.of("dense", 3), "scaling", Map.of()));
    scaled.put("optimizer", Map.of("type", "sgd", "lr", 0.1));
    scaled.put("parallel", Map.of("workers", 2));
    assertThatThrownBy(() -> JobSpec.fromMap(scaled)).hasMessageContaining("model.scaling");
    Map<String, Object> nag = new LinkedHashMap<>();
    nag.put("model", Map.of("type", "logistic", "features", Map.of("dense", 3)));
    nag.put("optimizer", Map.of("type", "nag"));
    nag.put("parallel", Map.of("workers", 2));
    assertThatThrownBy(() -> JobSpec.fromMap(nag)).isInstanceOf(SpecException.class)
        .hasMessageContaining("parallel.workers").hasMessageContaining("use workers 1 with nag");
  }
}
