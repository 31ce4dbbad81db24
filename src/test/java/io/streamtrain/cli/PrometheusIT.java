package io.streamtrain.cli;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.TrainingMetrics;
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
 * id (label {@code model_id}), so two models trained by the same subtask keep their own figures, equal to each
 * model's latest report on the metrics topic; the metric
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
    // 3000 and 1000 samples in batches of 10, the last 40 of each kept in the live job's shuffle buffer (capacity
    // 50): 296 and 96 steps, both multiples of 4, so each model's last step is also its last report.
    m.put("metrics", Map.of("every_batches", 4));
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
          if (steps(text, "m1") == 296 && steps(text, "m2") == 96) {
            break;
          }
        } catch (java.io.IOException e) {
          // the reporter starts with the task manager
        }
        Thread.sleep(200);
      }
      assertThat(steps(text, "m1")).as(text).isEqualTo(296);
      assertThat(steps(text, "m2")).isEqualTo(96);
      // The same figures as each model's latest report on the metrics topic (visible once the checkpoint that
      // commits its transaction completes).
      List<TrainingMetrics> reports = decodeAll(readAll(bs, "pm-metrics"), TrainingMetrics.class);
      long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (lastStep(reports, "m1") != 296 || lastStep(reports, "m2") != 96) {
        assertThat(System.nanoTime()).as("reports of steps 296 and 96 committed").isLessThan(until);
        Thread.sleep(500);
        reports = decodeAll(readAll(bs, "pm-metrics"), TrainingMetrics.class);
      }
      // The scrape and the topic are read at different moments: scrape again until they agree (or the deadline).
      until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!agrees(text, reports) && System.nanoTime() < until) {
        Thread.sleep(500);
        text = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
      }
      for (String id : List.of("m1", "m2")) {
        TrainingMetrics last = reports.stream().filter(r -> r.getModelId().equals(id)).reduce((a, b) -> b)
            .orElseThrow();
        assertThat(last.getStep()).isEqualTo(steps(text, id));
        assertThat(gauge(text, "loss_smoothed", id)).as(id).isEqualTo(last.getLossSmoothed());
        assertThat(gauge(text, "loss", id)).isEqualTo(last.getLossBatch());
        assertThat(gauge(text, "learning_rate", id)).isEqualTo(last.getLearningRate());
        assertThat(gauge(text, "grad_norm", id)).isEqualTo(last.getGradNorm());
        assertThat(gauge(text, "samples_trained_total", id)).isEqualTo((double) last.getSamplesSeen());
        assertThat(gauge(text, "rejected_samples_total", id)).isEqualTo((double) last.getRejectedSamples());
      }
      for (String name : List.of("loss", "loss_smoothed", "learning_rate", "consumer_lag_records", "rejected_samples_total",
          "loss_spike_rollbacks_total", "training_state_code")) {
        assertThat(text).contains(PREFIX + name + "{");
      }
    } finally {
      job.cancel().get();
    }
  }

  static final String PREFIX = "flink_taskmanager_job_task_operator_streamtrain_model_id_";

  /** Whether the scrape shows each model's latest report's figures. */
  static boolean agrees(String text, List<TrainingMetrics> reports) {
    for (String id : List.of("m1", "m2")) {
      TrainingMetrics last = reports.stream().filter(r -> r.getModelId().equals(id)).reduce((a, b) -> b)
          .orElseThrow();
      if (last.getStep() != steps(text, id) || gauge(text, "loss_smoothed", id) != last.getLossSmoothed()
          || gauge(text, "learning_rate", id) != last.getLearningRate()
          || gauge(text, "grad_norm", id) != last.getGradNorm()) {
        return false;
      }
    }
    return true;
  }

  static long lastStep(List<TrainingMetrics> reports, String model) {
    return reports.stream().filter(r -> r.getModelId().equals(model)).mapToLong(TrainingMetrics::getStep).max()
        .orElse(-1);
  }

  /** The steps gauge of {@code model}, or -1. */
  static long steps(String text, String model) {
    double v = gauge(text, "steps_total", model);
    return Double.isNaN(v) ? -1 : (long) v;
  }

  /** Gauge {@code name} of {@code model} as the endpoint prints it (Java's shortest repr of the double), or NaN. */
  static double gauge(String text, String name, String model) {
    Matcher mt = Pattern.compile("(?m)^" + PREFIX + name + "\\{[^}]*model_id=\"" + model + "\"[^}]*} (\\S+)$")
        .matcher(text);
    return mt.find() ? Double.parseDouble(mt.group(1)) : Double.NaN;
  }
}
