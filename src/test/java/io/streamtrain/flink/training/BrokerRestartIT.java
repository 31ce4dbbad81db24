package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.io.gen.SampleGenerator;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.BrokerProcess;
import io.streamtrain.testing.KafkaTestSupport;
import io.streamtrain.testing.TrainingRuns;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker process is stopped and restarted (same port, same data) in the middle of training: the job rides
 * through it (its Kafka clients fail, Flink restarts from the last checkpoint), nothing is lost or applied twice:
 * the final parameters equal a run that never saw the outage, and every sample is reported exactly once.
 */
class BrokerRestartIT {
  @Test
  void jobSurvivesABrokerRestartWithNothingLostOrDoubled(@TempDir Path dir) throws Exception {
    try (BrokerProcess broker = new BrokerProcess(Path.of("."), 0, dir.resolve("kafka"), dir.resolve("broker.log"),
        Duration.ofMinutes(2)).start()) {
      String bs = broker.bootstrapServers();
      createTopics(bs, 2, "br-samples", "br-metrics", "br-models", "br-rejected", "bf-metrics", "bf-models",
          "bf-rejected");
      SampleGenerator gen = Generators.create("linear", Map.of("dims", 6), 8);
      int first = 30_000;
      int second = 20_000;
      produce(bs, "br-samples", "tenant-b", gen, first);

      JobSpec live = spec("br-job", "br-", false);
      Configuration conf = new Configuration();
      conf.setString("restart-strategy.type", "fixed-delay");
      conf.setString("restart-strategy.fixed-delay.attempts", "1000");
      conf.setString("restart-strategy.fixed-delay.delay", "1 s");
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
      TrainingJob.configure(env, live);
      KafkaSettings kafka = KafkaSettings.ofBootstrap(bs);
      KafkaTrainingIo.job(live, kafka).build(env);
      JobClient job = env.executeAsync("broker-restart");
      Awaitility.await("training under way").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .until(() -> decodeAll(readAll(bs, "br-metrics"), TrainingMetrics.class).stream()
              .mapToLong(TrainingMetrics::getStep).max().orElse(0) >= 100);

      broker.stop();
      broker.start();
      KafkaTestSupport.awaitLeaders(bs, 2, "br-samples");
      produce(bs, "br-samples", "tenant-b", gen, second);
      Awaitility.await("all samples consumed after the outage").atMost(Duration.ofMinutes(4))
          .pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
          .until(() -> TrainingRuns.committedToEnd(bs, "streamtrain-br-job", "br-samples"));
      job.stopWithSavepoint(true, dir.resolve("sp").toUri().toString(), SavepointFormatType.CANONICAL).get();

      TrainingRuns.runBounded(spec("bf-job", "bf-", true), bs, "reference");

      ModelSnapshot a = TrainingRuns.lastSnapshot(decodeAll(readAll(bs, "br-models"), ModelSnapshot.class), null);
      ModelSnapshot b = TrainingRuns.lastSnapshot(decodeAll(readAll(bs, "bf-models"), ModelSnapshot.class), null);
      assertThat(a.getStep()).isEqualTo(b.getStep()).isEqualTo((first + second + 31) / 32);
      assertThat(TrainingRuns.bits(a.getParameters()))
          .isEqualTo(TrainingRuns.bits(b.getParameters()));
      Awaitility.await("every sample reported exactly once").atMost(Duration.ofSeconds(150))
          .pollInterval(Duration.ofSeconds(2))
          .untilAsserted(() -> assertThat(decodeAll(readAll(bs, "br-metrics"), TrainingMetrics.class).stream()
              .mapToLong(TrainingMetrics::getSamplesInReport).sum()).isEqualTo(first + second));
    }
  }

  private static JobSpec spec(String name, String prefix, boolean bounded) {
    Map<String, Object> raw = TrainingJobIT.spec(name, prefix,
        Map.of("type", "logistic", "features", Map.of("dense", 6)), Map.of("type", "adam", "lr", 0.02));
    Map<String, Object> topics = new LinkedHashMap<>((Map<String, Object>) raw.get("topics"));
    topics.put("samples", "br-samples");
    raw.put("topics", topics);
    raw.put("source", Map.of("bounded", bounded));
    return JobSpec.fromMap(raw);
  }

}
