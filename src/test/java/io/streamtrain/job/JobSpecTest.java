package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.streamtrain.core.SpecException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A job spec is validated completely before anything starts, and every error names the dotted key, the value
 * given and what is allowed; valid specs route model ids to the right configuration.
 */
class JobSpecTest {
  static Map<String, Object> valid() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "ctr-job");
    m.put("model", Map.of("type", "logistic", "features", Map.of("dense", 4)));
    m.put("optimizer", Map.of("type", "adam", "lr", 0.01));
    m.put("batching", Map.of("batch_size", 32, "shuffle_capacity", 256, "seed", 3));
    return m;
  }

  static SpecException error(Consumer<Map<String, Object>> edit) {
    Map<String, Object> m = valid();
    edit.accept(m);
    return catchThrowableOfType(SpecException.class, () -> JobSpec.fromMap(m));
  }

  static void assertError(SpecException e, String key, String... fragments) {
    assertThat(e).as("expected a SpecException for %s", key).isNotNull();
    assertThat(e.key()).isEqualTo(key);
    assertThat(e.getMessage()).startsWith(key + ":");
    for (String f : fragments) {
      assertThat(e.getMessage()).contains(f);
    }
  }

  @Test
  void defaultsOfAValidSpec() {
    JobSpec s = JobSpec.fromMap(valid());
    assertThat(s.name()).isEqualTo("ctr-job");
    assertThat(s.configs()).hasSize(1);
    assertThat(s.configs().get(0).batching().batchSize()).isEqualTo(32);
    assertThat(s.configs().get(0).batching().shuffleCapacity()).isEqualTo(256);
    assertThat(s.topics()).isEqualTo(new JobSpec.Topics("samples", "metrics", "models", "rejected-samples", 2));
    assertThat(s.snapshotEverySteps()).isEqualTo(100);
    assertThat(s.snapshotEveryEventTimeMs()).isZero();
    assertThat(s.metricsEveryBatches()).isEqualTo(10);
    assertThat(s.checkpointIntervalMs()).isEqualTo(5000);
    assertThat(s.parallelism()).isEqualTo(2);
    assertThat(s.startFrom()).isEqualTo("earliest");
    assertThat(s.bounded()).isFalse();
  }

  @Test
  void warmStartDefaultsToTheJobsModelTopicAndValidatesItsKeys() {
    assertThat(JobSpec.fromMap(valid()).warmStart()).isNull();
    Map<String, Object> m = valid();
    m.put("topics", Map.of("models", "ctr-models"));
    m.put("warm_start", Map.of());
    assertThat(JobSpec.fromMap(m).warmStart()).isEqualTo(new JobSpec.WarmStartSpec("ctr-models", null, null));
    m.put("warm_start", Map.of("topic", "global-models", "model_id", "global", "version", 7));
    assertThat(JobSpec.fromMap(m).warmStart()).isEqualTo(new JobSpec.WarmStartSpec("global-models", "global", 7L));
    assertError(error(x -> x.put("warm_start", Map.of("version", 3))), "warm_start.version", "model_id");
    assertError(error(x -> x.put("warm_start", Map.of("model_id", "g", "version", 0))), "warm_start.version",
        ">= 1");
    assertError(error(x -> x.put("warm_start", Map.of("from", "x"))), "warm_start.from", "unknown key");
  }

  @Test
  void topLevelErrorsNameTheKey() {
    assertError(error(m -> m.put("nmae", "x")), "nmae", "unknown key", "name");
    assertError(error(m -> m.put("name", "has space")), "name", "\"has space\"", "allowed");
    assertError(error(m -> m.remove("model")), "model", "missing");
    assertError(error(m -> m.remove("optimizer")), "optimizer", "missing");
    assertError(error(m -> m.put("accept", "tenant-(")), "accept", "tenant-(", "regular expression");
    assertError(error(m -> m.put("parallelism", 0)), "parallelism", "0", "[1, 1024]");
    assertError(error(m -> m.put("watermark_out_of_orderness_ms", -5)), "watermark_out_of_orderness_ms", "-5",
        ">= 0");
  }

  @Test
  void nestedErrorsNameTheDottedKey() {
    assertError(error(m -> m.put("batching", Map.of("batch_size", 64, "shuffle_capacity", 32))),
        "batching.shuffle_capacity", "32", "batch_size (64)");
    assertError(error(m -> m.put("batching", Map.of("batch_size", 0))), "batching.batch_size", "0", "allowed");
    assertError(error(m -> m.put("batching", Map.of("idle_gap_ms", -1))), "batching.idle_gap_ms", "-1");
    assertError(error(m -> m.put("optimizer", Map.of("type", "adam", "lr", -1))), "optimizer.lr", "-1");
    assertError(error(m -> m.put("optimizer", Map.of("type", "adamax"))), "optimizer.type", "adamax", "allowed");
    assertError(error(m -> m.put("model", Map.of("type", "tree"))), "model.type", "tree", "logistic");
    assertError(error(m -> m.put("clip", Map.of("type", "norm", "max_norm", 0))), "clip.max_norm", "0");
    assertError(error(m -> m.put("schedule", Map.of("type", "StepLR"))), "schedule.step_size", "missing");
    assertError(error(m -> m.put("topics", Map.of("sample", "x"))), "topics.sample", "unknown key", "samples");
    assertError(error(m -> m.put("topics", Map.of("partitions", 0))), "topics.partitions", "0");
    assertError(error(m -> m.put("snapshots", Map.of("every_steps", -1))), "snapshots.every_steps", "-1", ">= 0");
    assertError(error(m -> m.put("metrics", Map.of("every_batches", 0))), "metrics.every_batches", "0");
    assertError(error(m -> m.put("checkpoint", Map.of("interval_ms", 5))), "checkpoint.interval_ms", "5",
        "at least 10 ms");
    assertError(error(m -> m.put("source", Map.of("start", "newest"))), "source.start", "newest", "earliest");
    assertError(error(m -> m.put("source", Map.of("bounded", "yes"))), "source.bounded", "true or false");
  }

  @Test
  void perModelOverridesAreValidatedWithTheirIndex() {
    assertError(error(m -> m.put("models", List.of(Map.of("match", "a-.*"), Map.of("match", "b-[")))),
        "models[1].match", "b-[", "regular expression");
    SpecException e = error(m -> m.put("models", List.of(Map.of("match", "a-.*", "optimizer",
        Map.of("type", "sgd", "lr", 0.1, "momentum", -0.5)))));
    assertThat(e).isNotNull();
    assertThat(e.key()).startsWith("models[0].optimizer").contains("momentum");
    assertError(error(m -> m.put("models", List.of(Map.of("match", "a-.*", "colour", "red")))), "models[0].colour",
        "unknown key");
  }

  @Test
  void modelIdsRouteToTheFirstMatchingOverrideThenTheDefault() {
    Map<String, Object> m = valid();
    m.put("models", List.of(
        Map.of("match", "eu-.*", "optimizer", Map.of("type", "sgd", "lr", 0.5)),
        Map.of("match", "eu-de|us-.*", "batching", Map.of("batch_size", 8))));
    m.put("accept", "(eu|us|ap)-.*");
    JobSpec s = JobSpec.fromMap(m);
    assertThat(s.configs()).hasSize(3);
    assertThat(s.configIndex("eu-de")).isZero();
    assertThat(s.configIndex("us-east")).isEqualTo(1);
    assertThat(s.configIndex("ap-south")).isEqualTo(2);
    assertThat(s.configIndex("mars-1")).isEqualTo(-1);
    assertThat(s.configs().get(0).optimizer().create(new int[] {5}).lr()).isEqualTo(0.5);
    assertThat(s.configs().get(1).batching().batchSize()).isEqualTo(8);
    // Overrides replace keys of the default and keep the others.
    assertThat(s.configs().get(0).batching().batchSize()).isEqualTo(32);
    assertThat(s.configMap(1).get("model")).isEqualTo(m.get("model"));
  }
}
