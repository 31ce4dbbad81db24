package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.train.TrainingPath;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the declared job keys give: typed values, defaults, and errors naming the full key. */
class JobSpecKeysTest {
  private static Map<String, Object> spec(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", Map.of("type", "logistic", "features", Map.of("dense", 3)));
    m.put("optimizer", Map.of("type", "sgd", "lr", 0.1));
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void defaultsComeFromTheDeclarations() {
    JobSpec s = JobSpec.fromMap(spec());
    assertThat(s.start()).isEqualTo(JobSpec.Start.EARLIEST);
    assertThat(s.startFrom()).isEqualTo("earliest");
    assertThat(s.topics()).isEqualTo(new JobSpec.Topics("samples", "metrics", "models", "rejected-samples", 2));
    assertThat(s.snapshotEverySteps()).isEqualTo(100);
    assertThat(s.metricsEveryBatches()).isEqualTo(10);
    assertThat(s.checkpointIntervalMs()).isEqualTo(5000);
    assertThat(s.configs().get(0).batching().shuffleCapacity()).isEqualTo(1024);
  }

  @Test
  void sourceStartIsAnEnum() {
    assertThat(JobSpec.fromMap(spec("source", Map.of("start", "committed"))).start())
        .isEqualTo(JobSpec.Start.COMMITTED);
    assertThatThrownBy(() -> JobSpec.fromMap(spec("source", Map.of("start", "newest"))))
        .isInstanceOf(SpecException.class)
        .hasMessage("source.start: \"newest\" is not allowed; allowed: one of [earliest, latest, committed]");
  }

  @Test
  void aMisspelledKeyIsNamedWithTheClosestDeclaredOne() {
    assertThatThrownBy(() -> JobSpec.fromMap(spec("snapshots", Map.of("every_step", 5))))
        .hasMessageStartingWith("snapshots.every_step: unknown key; allowed keys here are [every_steps,")
        .hasMessageEndingWith("; did you mean every_steps?");
    assertThatThrownBy(() -> JobSpec.fromMap(spec("batching", Map.of("batch_sise", 5))))
        .hasMessageStartingWith("batching.batch_sise: unknown key").hasMessageEndingWith("did you mean batch_size?");
  }

  @Test
  void theTrainingKeysAreTakenAtTheTopLevelAsTheReadmeSays() {
    // training_path was documented as a top-level key but rejected there; it is one of the training keys now.
    JobSpec s = JobSpec.fromMap(spec("training_path", "dense"));
    assertThat(s.configs().get(0).trainingPath().sparse()).isFalse();
    assertThat(s.configMap(0)).containsEntry("training_path", "dense");
    assertThatThrownBy(() -> JobSpec.fromMap(spec("training_path", "fast")))
        .hasMessage("training_path: \"fast\" is not allowed; allowed: one of " + "[auto, sparse, dense]");
    assertThat(TrainingPath.Request.values()).hasSize(3);
  }

  @Test
  void clippingIsASealedType() {
    JobSpec s = JobSpec.fromMap(spec("clip", Map.of("type", "norm", "max_norm", 2.0)));
    assertThat(s.configs().get(0).optimizer().clipping())
        .isEqualTo(new io.streamtrain.core.optim.Clipping.Norm(2.0, 2.0));
  }

  @Test
  void sectionValuesAreCheckedWithTheirFullPath() {
    assertThatThrownBy(() -> JobSpec.fromMap(spec("checkpoint", Map.of("interval_ms", 5))))
        .hasMessage("checkpoint.interval_ms: 5 is not allowed; allowed: at least 10 ms");
    assertThatThrownBy(() -> JobSpec.fromMap(spec("parallel", Map.of("merge", "max"))))
        .hasMessage("parallel.merge: \"max\" is not allowed; allowed: one of [average, delta_sum, touched_average, sum_over_sqrt_n]");
    assertThatThrownBy(() -> JobSpec.fromMap(spec("warm_start", Map.of("version", 3))))
        .hasMessageStartingWith("warm_start.version: 3 is not allowed; allowed only with warm_start.model_id");
  }
}
