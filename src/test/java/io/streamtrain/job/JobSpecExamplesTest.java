package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every shipped job spec validates, and a broken spec fails before anything starts, naming the key. */
class JobSpecExamplesTest {
  /** The job specs in jobs/ and the benchmarks' in scripts/bench/. */
  static Stream<Path> specs() throws IOException {
    return Stream.concat(Files.list(Path.of("jobs")), Files.list(Path.of("scripts/bench")))
        .filter(p -> p.toString().endsWith(".yaml")).sorted();
  }

  @ParameterizedTest
  @MethodSource("specs")
  void shippedSpecsValidate(Path file) {
    JobSpec spec = JobSpecFiles.load(file);
    assertThat(spec.configs()).isNotEmpty();
    assertThat(spec.configs().get(0).batching().batchSize()).isPositive();
  }

  @Test
  void demoSpecRoutesItsTwoModelsAndRejectsOthers() {
    JobSpec demo = JobSpecFiles.load(Path.of("jobs/demo.yaml"));
    assertThat(demo.configIndex("breast-cancer")).isEqualTo(0);
    assertThat(demo.configIndex("hyperplane")).isEqualTo(1);
    assertThat(demo.configIndex("fraud-eu")).isEqualTo(-1);
  }

  @Test
  void errorsNameTheKeyAndWhatIsAllowed() {
    Map<String, Object> bad = Map.of(
        "model", Map.of("type", "logistic", "features", Map.of("dense", 3)),
        "optimizer", Map.of("type", "adam", "betas", List.of(0.9, 1.5)));
    assertThatThrownBy(() -> JobSpec.fromMap(new java.util.LinkedHashMap<>(bad)))
        .isInstanceOf(SpecException.class)
        .hasMessageContaining("optimizer.betas[1]");
    Map<String, Object> typo = new java.util.LinkedHashMap<>(Map.of(
        "model", Map.of("type", "logistic", "features", Map.of("dense", 3)),
        "optimizer", Map.of("type", "sgd", "lr", 0.1),
        "batchin", Map.of()));
    assertThatThrownBy(() -> JobSpec.fromMap(typo)).isInstanceOf(SpecException.class)
        .hasMessageContaining("batchin").hasMessageContaining("allowed keys");
  }
}
