package io.streamtrain.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code holdout: {savepoint: PATH, model_id: ID}} form of a replay spec: exactly one model source, no
 * version or model section next to a savepoint, relative paths against the spec's base, and a missing or
 * metadata-less directory refused with the key, the value and what is allowed before any job starts.
 */
class SavepointHoldoutSpecTest {
  @TempDir
  Path tmp;

  private static Map<String, Object> spec(Map<String, Object> holdout) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "sp");
    m.put("mode", "holdout");
    m.put("source", Map.of("topic", "samples"));
    m.put("holdout", holdout);
    return m;
  }

  private static void fails(Map<String, Object> holdout, String... fragments) {
    assertThatThrownBy(() -> new ReplaySpec(spec(holdout), Path.of("."))).isInstanceOf(SpecException.class)
        .hasMessageContainingAll(fragments);
  }

  @Test
  void aSavepointPathResolvesAgainstTheBaseAndAUriStaysAsGiven() {
    ReplaySpec s = new ReplaySpec(spec(Map.of("model_id", "m", "savepoint", "sp/savepoint-1")), Path.of("/data"));
    assertThat(s.holdout().savepoint()).isEqualTo(Path.of("/data/sp/savepoint-1").toString());
    assertThat(s.holdout().topic()).isNull();
    assertThat(s.holdout().paramsFile()).isNull();
    s = new ReplaySpec(spec(Map.of("model_id", "m", "savepoint", "s3://bucket/sp/savepoint-1")), Path.of("/data"));
    assertThat(s.holdout().savepoint()).isEqualTo("s3://bucket/sp/savepoint-1");
  }

  @Test
  void exactlyOneModelSource() {
    fails(Map.of("model_id", "m", "savepoint", "sp", "topic", "models"), "holdout", "savepoint", "topic",
        "exactly one of topic, params_file or savepoint");
    fails(Map.of("model_id", "m", "savepoint", "sp", "params_file", "p.json"),
        "exactly one of topic, params_file or savepoint");
    fails(Map.of("model_id", "m"), "holdout", "exactly one of topic, params_file or savepoint");
  }

  @Test
  void noVersionOrModelSectionNextToASavepoint() {
    fails(Map.of("model_id", "m", "savepoint", "sp", "version", 3), "holdout.version", "3", "only with holdout.topic");
    fails(Map.of("model_id", "m", "savepoint", "sp", "model", Map.of("type", "logistic")), "holdout.model",
        "only with topic or params_file", "carries the model section");
    fails(Map.of("model_id", "m", "savepoint", ""), "holdout.savepoint");
    fails(Map.of("savepoint", "sp"), "model_id");
  }

  @Test
  void aMissingDirectoryIsRefusedBeforeAnyJobStarts() {
    Path missing = tmp.resolve("no-such-savepoint");
    ReplaySpec s = new ReplaySpec(spec(Map.of("model_id", "m", "savepoint", missing.toString())), Path.of("."));
    assertThatThrownBy(() -> Holdouts.resolve(s.holdout(), null)).isInstanceOf(SpecException.class)
        .hasMessageContainingAll("holdout.savepoint", missing.toString(),
            "an existing savepoint or retained checkpoint directory");
  }

  @Test
  void aDirectoryWithoutMetadataNamesTheCheckpointsInsideIt() throws Exception {
    // A job's checkpoint directory (JOBID/) holds chk-N subdirectories; the user meant one of them.
    Path job = tmp.resolve("checkpoints/0123abcd");
    Files.createDirectories(job.resolve("chk-7"));
    Files.writeString(job.resolve("chk-7/_metadata"), "x");
    Files.createDirectories(job.resolve("chk-9"));
    Files.writeString(job.resolve("chk-9/_metadata"), "x");
    Files.createDirectories(job.resolve("shared"));
    ReplaySpec s = new ReplaySpec(spec(Map.of("model_id", "m", "savepoint", job.toUri().toString())),
        Path.of("."));
    assertThatThrownBy(() -> Holdouts.resolve(s.holdout(), null)).isInstanceOf(SpecException.class)
        .hasMessageContainingAll("holdout.savepoint", "holding _metadata", "chk-7, chk-9")
        .message().doesNotContain("shared");
  }

  @Test
  void unreadableMetadataIsASpecErrorNotACrash() throws Exception {
    Path sp = tmp.resolve("savepoint-x");
    Files.createDirectories(sp);
    Files.writeString(sp.resolve("_metadata"), "not a savepoint");
    ReplaySpec s = new ReplaySpec(spec(Map.of("model_id", "m", "savepoint", sp.toString())), Path.of("."));
    assertThatThrownBy(() -> Holdouts.resolve(s.holdout(), null)).isInstanceOf(SpecException.class)
        .hasMessageContainingAll("holdout.savepoint", sp.toString(), "a Flink savepoint or retained checkpoint");
  }
}
