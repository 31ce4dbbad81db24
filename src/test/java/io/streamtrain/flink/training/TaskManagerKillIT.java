package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.flink.RestSubmitter;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.io.gen.SampleGenerator;
import io.streamtrain.job.JobSpec;
import io.streamtrain.job.JobSpecFiles;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.TrainingRuns;
import io.streamtrain.testing.FlinkSessionCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A machine failure on a real cluster: the TaskManager process running the job is killed (SIGKILL) in the middle
 * of a 100k-sample stream, a new TaskManager joins, Flink restarts the job from its last checkpoint, and the final
 * parameters equal, bit for bit, those of a failure-free embedded run over the same samples.
 */
class TaskManagerKillIT {
  @Test
  void killedTaskManagerRecoversToTheFailureFreeParameters(@TempDir Path dir) throws Exception {
    Path jar;
    try (var files = Files.list(Path.of("target"))) {
      jar = files.filter(p -> p.getFileName().toString().matches("streamtrain-.*-job\\.jar")).findFirst().orElseThrow();
    }
    try (KafkaBroker broker = KafkaBroker.startTemporary();
        FlinkSessionCluster cluster = FlinkSessionCluster.start(dir.resolve("flink"), 1, 2)) {
      String bs = broker.bootstrapServers();
      createTopics(bs, 2, "tk-samples", "tk-metrics", "tk-models", "tk-rejected", "tr-metrics", "tr-models",
          "tr-rejected");
      SampleGenerator gen = Generators.create("hyperplane", Map.of("dims", 8), 21);
      int first = 50_000;
      int second = 50_000;
      produce(bs, "tk-samples", "tenant-k", gen, first);

      JobSpec live = spec("tk-job", "tk-", false);
      RestSubmitter rest = new RestSubmitter(cluster.restAddress());
      String jobId = rest.run(rest.upload(jar), TrainingJobMain.class.getName(),
          List.of("--spec-json", JobSpecFiles.toJson(live), "--bootstrap", bs), 2, null);
      Awaitility.await("training under way").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .until(() -> decodeAll(readAll(bs, "tk-metrics"), TrainingMetrics.class).stream()
              .mapToLong(TrainingMetrics::getStep).max().orElse(0) >= 200);

      cluster.killTaskManager(0);
      cluster.startTaskManager();
      produce(bs, "tk-samples", "tenant-k", gen, second);
      Awaitility.await("all samples consumed after recovery").atMost(Duration.ofMinutes(4))
          .pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
          .until(() -> TrainingRuns.committedToEnd(bs, "streamtrain-tk-job", "tk-samples"));
      String trigger = rest.stopWithSavepoint(jobId, dir.resolve("sp").toUri().toString(), true);
      assertThat(trigger).isNotEmpty();
      Awaitility.await("job drained").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
          .until(() -> List.of("FINISHED", "CANCELED", "FAILED").contains(rest.jobState(jobId)));
      assertThat(rest.jobState(jobId)).isEqualTo("FINISHED");
      String exceptions = cluster.get("/jobs/" + jobId + "/exceptions");
      assertThat(exceptions).as("the job saw the TaskManager loss").containsAnyOf("TaskManager", "heartbeat",
          "Connection", "lost");

      // Failure-free reference over the same samples (embedded, bounded).
      TrainingRuns.runBounded(spec("tr-job", "tr-", true), bs, "reference");

      ModelSnapshot a = TrainingRuns.lastSnapshot(decodeAll(readAll(bs, "tk-models"), ModelSnapshot.class), null);
      ModelSnapshot b = TrainingRuns.lastSnapshot(decodeAll(readAll(bs, "tr-models"), ModelSnapshot.class), null);
      assertThat(a.getStep()).isEqualTo(b.getStep()).isEqualTo((first + second + 31) / 32);
      assertThat(TrainingRuns.bits(a.getParameters()))
          .isEqualTo(TrainingRuns.bits(b.getParameters()));
    }
  }

  private static JobSpec spec(String name, String prefix, boolean bounded) {
    Map<String, Object> raw = TrainingJobIT.spec(name, prefix,
        Map.of("type", "logistic", "features", Map.of("dense", 8)), Map.of("type", "sgd", "lr", 0.05,
            "momentum", 0.9));
    Map<String, Object> topics = new LinkedHashMap<>((Map<String, Object>) raw.get("topics"));
    topics.put("samples", "tk-samples");
    raw.put("topics", topics);
    raw.put("source", Map.of("bounded", bounded));
    raw.put("checkpoint", Map.of("interval_ms", 500));
    return JobSpec.fromMap(raw);
  }

}
