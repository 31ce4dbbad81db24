package io.streamtrain.dashboard;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.TrainingRuns;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * `streamtrain dashboard` against a real job's metrics topic: started before the job has created the topic, it
 * serves the page, the latest report per model (equal to the topic's last report of each of two models) and a
 * server-sent-events stream whose history is every report on the topic; with a token it refuses requests
 * without it.
 */
class DashboardIT {
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
  void servesThePageTheLatestReportsAndTheirHistory() throws Exception {
    String bs = broker.bootstrapServers();
    HttpClient http = HttpClient.newHttpClient();
    ObjectMapper json = new ObjectMapper();
    try (Dashboard d = Dashboard.start(KafkaSettings.ofBootstrap(bs), "db-metrics", "127.0.0.1", 0, "s3cret")
        .followRejected(KafkaSettings.ofBootstrap(bs), "db-rejected")) {
      String base = "http://127.0.0.1:" + d.port();
      assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
      HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/?token=s3cret")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("new EventSource(").contains("db-metrics").doesNotContain(bs);

      createTopics(bs, 1, "db-samples", "db-metrics", "db-models", "db-rejected");
      // Three samples of m1 with a dense width its model does not have: rejected as DENSE_LENGTH_MISMATCH.
      produce(bs, "db-samples", "m1", Generators.create("hyperplane", Map.of("dims", 3), 9), 3);
      produceAndTrain(bs, "db", 2000, 800, 1);

      List<TrainingMetrics> topic = decodeAll(readAll(bs, "db-metrics"), TrainingMetrics.class);
      assertThat(topic.size()).isGreaterThan(50);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (d.reports() < topic.size() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(d.reports()).isEqualTo(topic.size());

      List<io.streamtrain.avro.RejectedSample> rejects =
          decodeAll(readAll(bs, "db-rejected"), io.streamtrain.avro.RejectedSample.class);
      assertThat(rejects).hasSize(3);
      while (d.rejectedRecords() < rejects.size() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      JsonNode byReason = json.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/api/rejected"))
          .header("Authorization", "Bearer s3cret").build(), HttpResponse.BodyHandlers.ofString()).body());
      assertThat(byReason.path("m1").path("DENSE_LENGTH_MISMATCH").asLong()).isEqualTo(3);
      assertThat(byReason.size()).as("only m1 had rejects").isEqualTo(1);

      JsonNode latest = json.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/api/models"))
          .header("Authorization", "Bearer s3cret").build(), HttpResponse.BodyHandlers.ofString()).body());
      for (String id : List.of("m1", "m2")) {
        TrainingMetrics last = topic.stream().filter(t -> t.getModelId().equals(id)).reduce((a, b) -> b).orElseThrow();
        assertThat(latest.path(id).path("step").asLong()).as(id).isEqualTo(last.getStep());
        assertThat(latest.path(id).path("loss_smoothed").asDouble()).isEqualTo(last.getLossSmoothed());
        assertThat(latest.path(id).path("model_version").asLong()).isEqualTo(last.getModelVersion());
      }

      // The event stream: the whole history first (every report, per model in topic order), then live.
      HttpResponse<java.io.InputStream> events = http.send(
          HttpRequest.newBuilder(URI.create(base + "/events?token=s3cret")).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      assertThat(events.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
      List<JsonNode> history = new ArrayList<>();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null && !line.startsWith(": history sent"); line = r.readLine()) {
          if (line.startsWith("data: ")) {
            history.add(json.readTree(line.substring(6)));
          }
        }
      }
      assertThat(history.stream().filter(h -> h.path("kind").asText().equals("rejected")).toList())
          .as("the rejected counts follow the reports' history").hasSize(1)
          .allMatch(h -> h.path("by_reason").path("DENSE_LENGTH_MISMATCH").asLong() == 3);
      history.removeIf(h -> h.path("kind").asText().equals("rejected"));
      assertThat(history).hasSize(topic.size());
      assertThat(history.stream().filter(h -> h.path("model_id").asText().equals("m2")).map(h -> h.path("step")
          .asLong())).isSorted().isNotEmpty();
    }
  }

  @Test
  void servesHttpsFromAKeystoreAndRefusesPlainHttpThere(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    io.streamtrain.testing.TestKeyMaterial keys = io.streamtrain.testing.TestKeyMaterial.generate(dir, "ks-pass",
        "ts-pass");
    javax.net.ssl.SSLContext server = Dashboard.tls(keys.keystore(), "ks-pass".toCharArray());
    java.security.KeyStore trust = java.security.KeyStore.getInstance(keys.truststore().toFile(),
        "ts-pass".toCharArray());
    javax.net.ssl.TrustManagerFactory tmf =
        javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    javax.net.ssl.SSLContext client = javax.net.ssl.SSLContext.getInstance("TLS");
    client.init(null, tmf.getTrustManagers(), null);
    HttpClient https = HttpClient.newBuilder().sslContext(client).build();
    try (Dashboard d = Dashboard.start(KafkaSettings.ofBootstrap(broker.bootstrapServers()), "db-tls-metrics",
        "127.0.0.1", 0, "s3cret", server)) {
      assertThat(d.isTls()).isTrue();
      String base = "https://localhost:" + d.port();
      assertThat(https.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).as("the token is still required").isEqualTo(401);
      HttpResponse<String> page = https.send(HttpRequest.newBuilder(URI.create(base + "/?token=s3cret")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("new EventSource(").contains("db-tls-metrics");
      assertThat(https.send(HttpRequest.newBuilder(URI.create(base + "/api/models"))
          .header("Authorization", "Bearer s3cret").build(), HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);
      HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + d.port() + "/?token=s3cret")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.io.IOException.class);
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Dashboard.tls(keys.keystore(), "wrong".toCharArray()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(keys.keystore().toString());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Dashboard.tls(keys.truststore(),
        "ts-pass".toCharArray())).hasMessageContaining("holds no private key");
  }

  /**
   * Samples of two models (m1: {@code n1}, m2: {@code n2}, hyperplane streams of seed {@code seed} and seed + 1)
   * into {@code <prefix>-samples}, then a bounded training job of both into {@code <prefix>-metrics}, whose topics
   * must exist.
   */
  static void produceAndTrain(String bs, String prefix, int n1, int n2, long seed) throws Exception {
    produce(bs, prefix + "-samples", "m1", Generators.create("hyperplane", Map.of("dims", 4), seed), n1);
    produce(bs, prefix + "-samples", "m2", Generators.create("hyperplane", Map.of("dims", 4), seed + 1), n2);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", prefix);
    m.put("model", Map.of("type", "logistic", "features", Map.of("dense", 4)));
    m.put("optimizer", Map.of("type", "sgd", "lr", 0.1));
    m.put("batching", Map.of("batch_size", 10, "shuffle_capacity", 50, "seed", 1));
    m.put("topics", Map.of("samples", prefix + "-samples", "metrics", prefix + "-metrics", "models",
        prefix + "-models", "rejected", prefix + "-rejected"));
    m.put("metrics", Map.of("every_batches", 5));
    m.put("parallelism", 1);
    m.put("source", Map.of("bounded", true));
    TrainingRuns.runBounded(JobSpec.fromMap(m), bs, prefix);
  }
}
