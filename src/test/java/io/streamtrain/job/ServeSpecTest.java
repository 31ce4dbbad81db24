package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The serve spec: every key's default, given values, and errors that name the key and what is allowed. */
class ServeSpecTest {
  @Test
  void anEmptySpecServesTheTrainingJobsDefaultModelTopic() {
    ServeSpec s = ServeSpec.fromMap(Map.of());
    assertThat(s.name()).isEqualTo("serve");
    assertThat(s.topics()).isEqualTo(new ServeSpec.Topics("requests", "models", "predictions", "rejected-samples", 2));
    assertThat(s.noModel()).isEqualTo(ServeSpec.NoModel.WAIT);
    assertThat(s.waitMax()).isEqualTo(10_000);
    assertThat(s.start()).isEqualTo(JobSpec.Start.COMMITTED);
    assertThat(s.checkpointIntervalMs()).isEqualTo(1000);
    assertThat(s.checkpointStorage()).isNull();
    assertThat(s.parallelism()).isEqualTo(2);
  }

  @Test
  void givenValuesAreRead() {
    ServeSpec s = ServeSpec.fromMap(Map.of("name", "ctr-serve", "topics", Map.of("models", "ctr-models"),
        "no_model", "reject", "wait_max", 7, "source", Map.of("start", "latest"),
        "checkpoint", Map.of("interval_ms", 250, "storage", "file:///tmp/cp"), "parallelism", 4));
    assertThat(s.topics().models()).isEqualTo("ctr-models");
    assertThat(s.topics().requests()).isEqualTo("requests");
    assertThat(s.noModel()).isEqualTo(ServeSpec.NoModel.REJECT);
    assertThat(s.waitMax()).isEqualTo(7);
    assertThat(s.start()).isEqualTo(JobSpec.Start.LATEST);
    assertThat(s.checkpointIntervalMs()).isEqualTo(250);
    assertThat(s.checkpointStorage()).isEqualTo("file:///tmp/cp");
    assertThat(s.parallelism()).isEqualTo(4);
  }

  @Test
  void errorsNameTheKeyAndWhatIsAllowed() {
    assertThatThrownBy(() -> ServeSpec.fromMap(Map.of("no_model", "drop")))
        .isInstanceOf(SpecException.class).hasMessageContaining("no_model").hasMessageContaining("wait");
    assertThatThrownBy(() -> ServeSpec.fromMap(Map.of("wait_max", 0)))
        .isInstanceOf(SpecException.class).hasMessageContaining("wait_max");
    assertThatThrownBy(() -> ServeSpec.fromMap(Map.of("topics", Map.of("request", "x"))))
        .isInstanceOf(SpecException.class).hasMessageContaining("topics.request").hasMessageContaining("requests");
    assertThatThrownBy(() -> ServeSpec.fromMap(Map.of("checkpoint", Map.of("interval_ms", 1))))
        .isInstanceOf(SpecException.class).hasMessageContaining("checkpoint.interval_ms");
  }
}
