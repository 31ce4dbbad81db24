package io.streamtrain.cli;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.flink.training.TrainingJob;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.TrainingRuns;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * `train --prometheus-port`: a live job serves its figures in Prometheus' text format, one time series per model
 * id (label {@code model_id}), so two models trained by the same subtask keep their own loss and steps; the metric
 * names are the ones the shipped alert rules and dashboard use (conf/prometheus, conf/grafana).
 */
class PrometheusIT {
  static KafkaBroker broker;

  @BeforeAll
  static void start() {
    broker = KafkaBroker.builder().build().start();
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void aLiveJobServesOneSeriesPerModel() throws Exception {
    String bs = broker.bootstrapServers();
    createTopics(bs, 1, "pm-samples", "pm-metrics", "pm-models", "pm-rejected");
    produce(bs, "pm-samples", "m1", Generators.create("hyperplane", Map.of("dims", 4), 1), 3000);
    produce(bs, "pm-samples", "m2", Generators.create("hyperplane", Map.of("dims", 4), 2), 1000);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "pm");
    m.put("model", Map.of("type", "logistic", "features", Map.of("dense", 4)));
    m.put("optimizer", Map.of("type", "sgd", "lr", 0.1));
    m.put("batching", Map.of("batch_size", 10, "shuffle_capacity", 50, "seed", 1));
    m.put("topics", Map.of("samples", "pm-samples", "metrics", "pm-metrics", "models", "pm-models", "rejected",
        "pm-rejected"));
    m.put("metrics", Map.of("every_batches", 10));
    m.put("parallelism", 1);
    JobSpec spec = JobSpec.fromMap(m);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Configuration conf = new Configuration();
    TrainCommand.prometheus(conf, port);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
    TrainingJob.configure(env, spec);
    TrainingRuns.job(spec, bs).build(env);
    JobClient job = env.executeAsync("pm");
    try {
      HttpClient http = HttpClient.newHttpClient();
      String text = "";
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (System.nanoTime() < deadline) {
        try {
          text = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString()).body();
          // 3000 and 1000 samples in batches of 10; a live job keeps the last buffer's worth (up to 50) unbatched.
          if (steps(text, "m1") >= 295 && steps(text, "m2") >= 95) {
            break;
          }
        } catch (java.io.IOException e) {
          // the reporter starts with the task manager
        }
        Thread.sleep(200);
      }
      assertThat(steps(text, "m1")).as(text).isBetween(295L, 300L);
      assertThat(steps(text, "m2")).isBetween(95L, 100L);
      for (String name : List.of("loss", "lossSmoothed", "learningRate", "consumerLag", "rejectedSamples",
          "lossSpikeRollbacks", "trainingStateCode")) {
        assertThat(text).contains(PREFIX + name + "{");
      }
    } finally {
      job.cancel().get();
    }
  }

  static final String PREFIX = "flink_taskmanager_job_task_operator_streamtrain_model_id_";

  /** The steps gauge of {@code model}, or -1. */
  static long steps(String text, String model) {
    Matcher mt = Pattern.compile("(?m)^" + PREFIX + "steps\\{[^}]*model_id=\"" + model + "\"[^}]*} ([0-9.eE+]+)$")
        .matcher(text);
    return mt.find() ? (long) Double.parseDouble(mt.group(1)) : -1;
  }
}
