package io.streamtrain.local;

import static io.streamtrain.testing.TestKeyMaterial.shippedClientSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.Topics;
import io.streamtrain.io.Topics.TopicSpec;
import io.streamtrain.testing.TestKeyMaterial;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Node;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker's SASL_SSL listener with real TLS handshakes and SASL/PLAIN: clients configured from the shipped
 * conf/kafka-sasl-ssl.properties (secrets from an environment map) produce, consume and administer; a wrong
 * password is refused with SaslAuthenticationException; a plaintext client gets nothing from the TLS port; a
 * client without the truststore fails the handshake. Key material is made per run with keytool.
 */
class KafkaBrokerSaslSslIT {
  // A password with a quote and a backslash: it must reach the broker unchanged through the JAAS entries.
  static final String PASSWORD = "tr\"ain\\er-" + Long.toHexString(System.nanoTime());

  @TempDir static Path tmp;
  static TestKeyMaterial keys;
  static KafkaBroker broker;

  @BeforeAll
  static void start() throws Exception {
    keys = TestKeyMaterial.generate(tmp.resolve("tls"), "ks-" + System.nanoTime(), "ts-" + System.nanoTime());
    Map<String, String> users = new java.util.LinkedHashMap<>();
    users.put("trainer", PASSWORD);
    users.put("reader", "other-" + System.nanoTime());
    broker = keys.startSecureBroker(users);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  /** The environment conf/kafka-sasl-ssl.properties expects. */
  static Map<String, String> env(String user, String password, TestKeyMaterial k) {
    return k.clientEnv(user, password);
  }


  /** Short timeouts, so a refused client fails within the test's bounded wait. */
  static Properties quick(Properties p) {
    p.put("request.timeout.ms", "5000");
    p.put("default.api.timeout.ms", "15000");
    p.put("reconnect.backoff.max.ms", "1000");
    return p;
  }

  static Throwable describeClusterFailure(Properties p) throws InterruptedException {
    try (Admin admin = Admin.create(quick(p))) {
      DescribeClusterResult r = admin.describeCluster(new DescribeClusterOptions().timeoutMs(15_000));
      try {
        Object nodes = r.nodes().get(60, TimeUnit.SECONDS);
        throw new AssertionError("the client was let in and saw " + nodes);
      } catch (ExecutionException e) {
        return e.getCause();
      } catch (java.util.concurrent.TimeoutException e) {
        throw new AssertionError("the admin call neither failed nor succeeded within 60 s", e);
      }
    }
  }

  @Test
  void anAuthenticatedClientProducesConsumesAndAdministersOverSaslSsl() throws Exception {
    KafkaSettings s = shippedClientSettings(broker.saslSslBootstrapServers(), env("trainer", PASSWORD, keys));
    assertThat(s.clientProperties()).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN");
    String topic = "secure-" + System.nanoTime();
    try (Admin admin = Admin.create(s.toProperties(Map.of()))) {
      // The metadata a client gets over this listener names the SASL_SSL port: it never falls back to plaintext.
      List<Node> nodes = new ArrayList<>(admin.describeCluster().nodes().get(60, TimeUnit.SECONDS));
      assertThat(nodes).extracting(Node::port).containsExactly(broker.saslSslPort());
      assertThat(Topics.ensure(admin, TopicSpec.of(topic, 2))).isTrue();
      assertThat(admin.listTopics().names().get(60, TimeUnit.SECONDS)).contains(topic);
    }
    try (KafkaProducer<String, String> p =
        new KafkaProducer<>(s.toProperties(Map.of("acks", "all")), new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < 10; i++) {
        p.send(new ProducerRecord<>(topic, i % 2, "k" + i, "v" + i)).get(60, TimeUnit.SECONDS);
      }
    }
    List<String> seen = new ArrayList<>();
    try (KafkaConsumer<String, String> c =
        new KafkaConsumer<>(s.toProperties(Map.of()), new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> parts = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (seen.size() < 10 && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          seen.add(r.value());
        }
      }
    }
    assertThat(seen).containsExactlyInAnyOrder("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");
  }

  @Test
  void aWrongPasswordIsRefusedWithSaslAuthenticationException() throws Exception {
    KafkaSettings wrong = shippedClientSettings(broker.saslSslBootstrapServers(), env("trainer", PASSWORD + "x", keys));
    assertThat(describeClusterFailure(wrong.toProperties(Map.of()))).isInstanceOf(SaslAuthenticationException.class)
        .hasMessageContaining("Invalid username or password");
    KafkaSettings unknownUser = shippedClientSettings(broker.saslSslBootstrapServers(), env("mallory", PASSWORD, keys));
    assertThat(describeClusterFailure(unknownUser.toProperties(Map.of())))
        .isInstanceOf(SaslAuthenticationException.class);
    // A consumer sees the same refusal, as an exception from its first metadata request.
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(quick(wrong.toProperties(Map.of())),
        new StringDeserializer(), new StringDeserializer())) {
      assertThatThrownBy(() -> c.partitionsFor("anything", Duration.ofSeconds(30)))
          .isInstanceOf(SaslAuthenticationException.class);
    }
  }

  @Test
  void aPlaintextClientToTheSaslSslPortDoesNotGetThrough() throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", broker.saslSslBootstrapServers()); // security.protocol defaults to PLAINTEXT
    Throwable failure = describeClusterFailure(p);
    // The broker drops the connection when the bytes are not a TLS handshake; the client retries until its API
    // timeout and never receives cluster metadata.
    assertThat(failure).isInstanceOf(TimeoutException.class);
  }

  @Test
  void aClientWithoutTheTruststoreFailsTheTlsHandshake() throws Exception {
    Map<String, String> props = new HashMap<>(
        shippedClientSettings(broker.saslSslBootstrapServers(), env("trainer", PASSWORD, keys)).clientProperties());
    props.keySet().removeIf(k -> k.startsWith("ssl.truststore."));
    Properties p = new Properties();
    p.putAll(props); // the JDK's default trust anchors do not include the self-signed broker certificate
    assertThat(describeClusterFailure(p)).isInstanceOf(SslAuthenticationException.class)
        .hasMessageContaining("SSL handshake failed");
  }

  @Test
  void theBrokerCommandOpensTheListenerWithSecretsFromItsEnvironment(@TempDir Path dir) throws Exception {
    String userPassword = "cli-" + Long.toHexString(System.nanoTime());
    Path log = dir.resolve("broker.log");
    try (BrokerProcess proc = new BrokerProcess(Path.of("."), 0, dir.resolve("data"), log, Duration.ofSeconds(180))) {
      int securePort = KafkaBroker.freePort();
      proc.withOptions(
          List.of("--sasl-ssl-port", Integer.toString(securePort), "--ssl-keystore", keys.keystore().toString(),
              "--plain-user", "trainer=TRAINER_PASSWORD"),
          Map.of("STREAMTRAIN_BROKER_KEYSTORE_PASSWORD", keys.keystorePassword(), "TRAINER_PASSWORD", userPassword));
      proc.start();
      String secure = "localhost:" + securePort;
      KafkaSettings s = shippedClientSettings(secure, env("trainer", userPassword, keys));
      try (Admin admin = Admin.create(s.toProperties(Map.of()))) {
        assertThat(Topics.ensure(admin, TopicSpec.of("over-tls", 1))).isTrue();
      }
      assertThat(describeClusterFailure(
          shippedClientSettings(secure, env("trainer", "nope", keys)).toProperties(Map.of())))
          .isInstanceOf(SaslAuthenticationException.class);
      proc.stop();
      String out = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(out).contains("ready on localhost:" + proc.port(), secure + " (SASL_SSL, PLAIN users trainer)");
      assertThat(out).doesNotContain(userPassword).doesNotContain(keys.keystorePassword());
    }
  }
}
