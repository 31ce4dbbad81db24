package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The job spec's diagnostics section: defaults, job-wide values, per-model overrides, errors naming the key. */
class JobSpecDiagnosticsTest {
  static Map<String, Object> base() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", Map.of("type", "logistic", "features", Map.of("dense", 3)));
    m.put("optimizer", Map.of("type", "sgd", "lr", 0.1));
    return m;
  }

  @Test
  void defaultsJobWideAndPerModel() {
    JobSpec plain = JobSpec.fromMap(base());
    assertThat(plain.diagnostics().enabled()).isTrue();
    assertThat(plain.diagnostics().budgetShare()).isEqualTo(0.20);
    assertThat(plain.diagnostics(0).escapeEnabled()).isFalse();
    assertThat(plain.diagnostics(0).escapePatience()).isEqualTo(50);
    assertThat(plain.diagnostics(0).escapePerturbation()).isEqualTo(0.2);

    Map<String, Object> m = base();
    m.put("diagnostics", Map.of("probe_every", 7));
    m.put("models", List.of(Map.of("match", "special", "diagnostics", Map.of("saddle_escape",
        Map.of("step", 0.5, "patience", 10, "perturbation", 0.05)))));
    JobSpec s = JobSpec.fromMap(m);
    int special = s.configIndex("special");
    int other = s.configIndex("other");
    assertThat(s.diagnostics(special).escapeEnabled()).isTrue();
    assertThat(s.diagnostics(special).escapeStep()).isEqualTo(0.5);
    assertThat(s.diagnostics(special).escapePatience()).isEqualTo(10);
    assertThat(s.diagnostics(special).escapePerturbation()).isEqualTo(0.05);
    assertThat(s.diagnostics(other).probeEvery()).isEqualTo(7);
    // Diagnostics are not part of the checkpointed training configuration.
    assertThat(s.configMap(special)).doesNotContainKey("diagnostics");
  }

  @Test
  void errorsNameTheKey() {
    Map<String, Object> m = base();
    m.put("diagnostics", Map.of("reservoir", 0));
    assertThatThrownBy(() -> JobSpec.fromMap(m)).isInstanceOf(SpecException.class)
        .hasMessageContaining("diagnostics.reservoir").hasMessageContaining("0");
    Map<String, Object> m2 = base();
    m2.put("models", List.of(Map.of("match", "x", "diagnostics", Map.of("stabilty", 2))));
    assertThatThrownBy(() -> JobSpec.fromMap(m2)).isInstanceOf(SpecException.class)
        .hasMessageContaining("stabilty");
    Map<String, Object> m3 = base();
    m3.put("diagnostics", Map.of("saddle_escape", Map.of("perturbation", 0)));
    assertThatThrownBy(() -> JobSpec.fromMap(m3)).isInstanceOf(SpecException.class)
        .hasMessageContaining("diagnostics.saddle_escape.perturbation").hasMessageContaining("> 0");
    Map<String, Object> m4 = base();
    m4.put("diagnostics", Map.of("saddle_escape", Map.of("patience", 0)));
    assertThatThrownBy(() -> JobSpec.fromMap(m4)).isInstanceOf(SpecException.class)
        .hasMessageContaining("diagnostics.saddle_escape.patience");
  }
}
