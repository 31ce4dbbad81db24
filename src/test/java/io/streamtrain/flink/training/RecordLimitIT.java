package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.Topics;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.TrainingRuns;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A record that no setting in effect lets through stops the job once, with an error naming the setting, instead
 * of restarting it in a loop: the model topic here allows 20,000-byte messages, the model's snapshot (4,097
 * parameters, one record of ~33 KB) is larger, and the job runs with a restart strategy that would retry for
 * many minutes. The topic's limit is read before the job starts, so the broker's asynchronous refusal never
 * happens.
 */
class RecordLimitIT {
  static KafkaBroker broker;

  @BeforeAll
  static void start() {
    broker = KafkaBroker.startTemporary();
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void aSnapshotAboveTheTopicsLimitFailsTheJobOnceNamingTheSetting() throws Exception {
    String bs = broker.bootstrapServers();
    createTopics(bs, 1, "rl-samples", "rl-metrics", "rl-rejected");
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bs))) {
      Topics.ensure(admin, new Topics.TopicSpec("rl-models", 1, (short) 1,
          Map.of("cleanup.policy", "compact", "max.message.bytes", "20000")));
    }
    KafkaSettings kafka = KafkaSettings.ofBootstrap(bs);
    assertThat(KafkaTrainingIo.topicMessageLimits(kafka, List.of("rl-models", "rl-absent")))
        .containsExactly(Map.entry("rl-models", 20_000));

    produce(bs, "rl-samples", "m", Generators.create("hyperplane", Map.of("dims", 6), 5), 200);
    Map<String, Object> m = TrainingJobIT.spec("rl", "rl-",
        Map.of("type", "logistic", "features", Map.of("dense", 6, "hash_bits", 12)),
        Map.of("type", "sgd", "lr", 0.1));
    m.put("snapshots", Map.of("every_steps", 2));
    m.put("parallelism", 1);
    JobSpec spec = JobSpec.fromMap(m);
    Configuration conf = new Configuration();
    // Without the unrecoverable error this would restart for 1000 x 1 s.
    conf.setString("restart-strategy.type", "fixed-delay");
    conf.setString("restart-strategy.fixed-delay.attempts", "1000");
    conf.setString("restart-strategy.fixed-delay.delay", "1 s");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
    TrainingJob.configure(env, spec);
    TrainingRuns.job(spec, bs).build(env);
    JobClient client = env.executeAsync("rl");
    Throwable failure = null;
    try {
      // Bounded wait on the job's result: a restart loop would still be running when this times out.
      client.getJobExecutionResult().get(120, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      failure = e;
    } catch (TimeoutException e) {
      client.cancel().get();
      throw new AssertionError("the job was still running (restarting?) after 120 s", e);
    }
    assertThat(failure).as("the job must fail").isNotNull();
    StringBuilder causes = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      causes.append(t.getMessage()).append('\n');
    }
    assertThat(causes.toString()).contains("ModelSnapshot record of")
        .contains("the max.message.bytes of topic rl-models (20000)").contains("max.request.size");
  }
}
