package io.streamtrain.flink.parallel;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.flink.RestSubmitter;
import io.streamtrain.flink.training.TrainingJobMain;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.job.JobSpec;
import io.streamtrain.job.JobSpecFiles;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.FlinkSessionCluster;
import io.streamtrain.testing.TrainingRuns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A machine failure under data-parallel training: one model, two workers, on a session cluster of two TaskManager
 * processes with one slot each, so the workers run in different processes. One TaskManager is killed (SIGKILL)
 * while rounds are being merged, a new one joins, Flink restarts the job from its last checkpoint, and the bounded
 * job ends on the same parameters, bit for bit, and the same per-round reports (no round missing, none twice) as a
 * failure-free embedded run over the same samples.
 */
class ParallelTaskManagerKillIT {
  static final int N = 120_000;

  @Test
  void killedTaskManagerRecoversToTheFailureFreeRounds(@TempDir Path dir) throws Exception {
    Path jar;
    try (var files = Files.list(Path.of("target"))) {
      jar = files.filter(p -> p.getFileName().toString().matches("streamtrain-.*-job\\.jar")).findFirst().orElseThrow();
    }
    try (KafkaBroker broker = KafkaBroker.startTemporary();
        FlinkSessionCluster cluster = FlinkSessionCluster.start(dir.resolve("flink"), 2, 1)) {
      String bs = broker.bootstrapServers();
      createTopics(bs, ParallelTrainingIT.PARTITIONS, "pk-samples");
      createTopics(bs, 2, "pk-metrics", "pk-models", "pk-rejected", "pr-metrics", "pr-models", "pr-rejected");
      ParallelTrainingIT.produceSpread(bs, "pk-samples", "global",
          Generators.create("hyperplane", Map.of("dims", 8), 31), N);

      RestSubmitter rest = new RestSubmitter(cluster.restAddress());
      String jobId = rest.run(rest.upload(jar), TrainingJobMain.class.getName(),
          List.of("--spec-json", JobSpecFiles.toJson(spec("pk-job", "pk-")), "--bootstrap", bs), 2, null);
      try {
        Awaitility.await("rounds under way").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
            .ignoreExceptions()
            .until(() -> decodeAll(readAll(bs, "pk-metrics"), TrainingMetrics.class).size() >= 4);
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("no rounds reported; job " + rest.jobState(jobId) + ", exceptions: "
            + cluster.get("/jobs/" + jobId + "/exceptions"), e);
      }
      cluster.killTaskManager(0);
      cluster.startTaskManager();
      Awaitility.await("job finished after recovery").atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> List.of("FINISHED", "CANCELED", "FAILED").contains(rest.jobState(jobId)));
      assertThat(rest.jobState(jobId)).isEqualTo("FINISHED");
      assertThat(cluster.get("/jobs/" + jobId + "/exceptions")).as("the job saw the TaskManager loss")
          .containsAnyOf("TaskManager", "heartbeat", "Connection", "lost");

      TrainingRuns.runBounded(spec("pr-job", "pr-"), bs, "reference");

      ModelSnapshot a = TrainingRuns.lastSnapshot(decodeAll(readAll(bs, "pk-models"), ModelSnapshot.class), "global");
      ModelSnapshot b = TrainingRuns.lastSnapshot(decodeAll(readAll(bs, "pr-models"), ModelSnapshot.class), "global");
      assertThat(a.getSamplesSeen()).isEqualTo(b.getSamplesSeen()).isEqualTo(N);
      assertThat(TrainingRuns.bits(a.getParameters())).isEqualTo(TrainingRuns.bits(b.getParameters()));
      List<String> killed = ParallelTrainingIT.rounds(decodeAll(readAll(bs, "pk-metrics"), TrainingMetrics.class));
      List<String> reference = ParallelTrainingIT.rounds(decodeAll(readAll(bs, "pr-metrics"), TrainingMetrics.class));
      assertThat(killed).isEqualTo(reference).hasSize(N / ParallelTrainingIT.PARTITIONS / 1_500);
    }
  }

  static JobSpec spec(String name, String prefix) {
    Map<String, Object> raw = new LinkedHashMap<>(JobSpecFiles.copy(ParallelTrainingIT.spec(name, prefix).raw()));
    raw.put("topics", Map.of("samples", "pk-samples", "metrics", prefix + "metrics", "models", prefix + "models",
        "rejected", prefix + "rejected"));
    raw.put("checkpoint", Map.of("interval_ms", 300, "storage",
        java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "streamtrain-it", name).toUri().toString()));
    raw.put("parallel", Map.of("workers", 2, "round_samples", 1_500, "staleness", 0));
    return JobSpec.fromMap(raw);
  }
}
