package io.streamtrain.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the declared replay keys give: typed bounds and modes, and file options checked when the spec loads. */
class ReplayKeysTest {
  private static final Map<String, Object> CONFIG = Map.of("name", "a", "model",
      Map.of("type", "logistic", "features", Map.of("dense", 30)), "optimizer", Map.of("type", "sgd", "lr", 0.1));

  private static ReplaySpec replay(Map<String, Object> source) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("source", source);
    m.put("configs", List.of(CONFIG));
    return new ReplaySpec(m, Path.of("."));
  }

  @Test
  void boundsAndModeAreEnums() {
    ReplaySpec s = replay(Map.of("topic", "t", "start", Map.of("timestamp", 5), "end",
        Map.of("offsets", Map.of("0", 9))));
    assertThat(s.source().start().kind()).isEqualTo(ReplaySpec.Bound.Kind.TIMESTAMP);
    assertThat(s.source().start().isTime()).isTrue();
    assertThat(s.source().end().kind()).isEqualTo(ReplaySpec.Bound.Kind.OFFSETS);
    assertThat(s.modeKind()).isEqualTo(ReplaySpec.Mode.PREQUENTIAL);
    assertThat(s.mode()).isEqualTo("prequential");
    assertThat(s.report()).isEqualTo(Path.of(".").resolve("target/replay/replay/report.json"));
  }

  @Test
  void aFileSourcesOptionsAreCheckedWhenTheSpecLoads() {
    assertThatThrownBy(() -> replay(Map.of("file", "datasets/breast_cancer.csv", "format", "xls")))
        .hasMessage("source.format: \"xls\" is not allowed; allowed: one of [csv, libsvm]");
    assertThatThrownBy(() -> replay(Map.of("file", "datasets/breast_cancer.csv", "time_step_ms", "fast")))
        .hasMessage("source.time_step_ms: \"fast\" is not allowed; allowed: an integer");
    assertThatThrownBy(() -> replay(Map.of("topic", "t", "passes", 2)))
        .hasMessage("source.passes: 2 is not allowed; allowed only with source.file");
    assertThatThrownBy(() -> replay(Map.of("file", "datasets/breast_cancer.csv", "split", Map.of("test_fraction", 1))))
        .hasMessage("source.split.test_fraction: 1.0 is not allowed; allowed: a number in (0, 1)");
  }
}
