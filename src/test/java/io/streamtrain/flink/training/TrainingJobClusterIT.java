package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.flink.RestSubmitter;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.job.JobSpec;
import io.streamtrain.job.JobSpecFiles;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.FlinkSessionCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The path users take when they outgrow one machine: a Flink session cluster running as separate JVMs (a
 * JobManager and a TaskManager process), the shaded job jar submitted over REST exactly as {@code streamtrain
 * train --cluster} does, training from a real broker; the results match what the embedded run checks.
 */
class TrainingJobClusterIT {
  @Test
  void jobJarSubmittedToSessionClusterTrainsAndPublishes(@TempDir Path dir) throws Exception {
    Path jar;
    try (var files = Files.list(Path.of("target"))) {
      jar = files.filter(p -> p.getFileName().toString().matches("streamtrain-.*-job\\.jar")).findFirst().orElseThrow();
    }
    try (KafkaBroker broker = KafkaBroker.startTemporary();
        FlinkSessionCluster cluster = FlinkSessionCluster.start(dir.resolve("flink"), 1, 2)) {
      String p = "cl-";
      createTopics(broker.bootstrapServers(), 2, p + "samples", p + "metrics", p + "models", p + "rejected");
      int n = 6400;
      produce(broker.bootstrapServers(), p + "samples", "tenant-a", Generators.create("linear", Map.of("dims", 4), 11), n);
      Map<String, Object> raw = TrainingJobIT.spec("cluster-job", p,
          Map.of("type", "logistic", "features", Map.of("dense", 4)), Map.of("type", "adam", "lr", 0.05));
      JobSpec spec = JobSpec.fromMap(raw);

      RestSubmitter rest = new RestSubmitter(cluster.restAddress());
      String jarId = rest.upload(jar);
      String jobId = rest.run(jarId, TrainingJobMain.class.getName(),
          List.of("--spec-json", JobSpecFiles.toJson(spec), "--bootstrap", broker.bootstrapServers()), 2, null);
      Awaitility.await("bounded job finished on the session cluster")
          .atMost(Duration.ofMinutes(4))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> {
            String state = rest.jobState(jobId);
            assertThat(state).isNotIn("FAILED", "CANCELED");
            return state.equals("FINISHED");
          });

      List<TrainingMetrics> metrics = decodeAll(readAll(broker.bootstrapServers(), p + "metrics"), TrainingMetrics.class);
      List<ModelSnapshot> snaps = decodeAll(readAll(broker.bootstrapServers(), p + "models"), ModelSnapshot.class);
      TrainingMetrics last = metrics.stream().max(Comparator.comparingLong(TrainingMetrics::getStep)).orElseThrow();
      assertThat(last.getSamplesSeen()).isEqualTo(n);
      assertThat(TrainingJobIT.lastAccuracy(metrics, "tenant-a")).isGreaterThanOrEqualTo(0.95);
      assertThat(metrics.stream().mapToLong(TrainingMetrics::getSamplesInReport).sum()).isEqualTo(n);
      assertThat(snaps).isNotEmpty();
      assertThat(snaps.get(snaps.size() - 1).getStep()).isEqualTo(n / 32);
    }
  }
}
