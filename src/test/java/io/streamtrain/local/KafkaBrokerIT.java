package io.streamtrain.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.io.Topics;
import io.streamtrain.io.Topics.TopicSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-process KRaft broker: starts, serves transactions, keeps its data across a restart, cleans up. */
class KafkaBrokerIT {

  @Test
  void servesTransactionalProducersAndCompactedTopicsThenDeletesItsTemporaryData() throws Exception {
    Path dataDir;
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      dataDir = broker.dataDir();
      assertThat(broker.bootstrapServers()).isEqualTo("localhost:" + broker.port());
      try (Admin admin = admin(broker)) {
        assertThat(Topics.ensure(admin, TopicSpec.of("samples", 2))).isTrue();
        assertThat(Topics.ensure(admin, TopicSpec.of("samples", 2))).as("idempotent").isFalse();
        assertThat(Topics.ensure(admin, TopicSpec.of("samples", Topics.ANY_PARTITIONS))).isFalse();
        assertThatThrownBy(() -> Topics.ensure(admin, TopicSpec.of("samples", 3)))
            .hasMessageContaining("exists with 2 partitions but 3 were asked for");
        assertThat(Topics.ensure(admin, TopicSpec.compacted("models", 1))).isTrue();
        // createTopics returns when the controller has the topic; the broker's metadata follows a moment later
        // (UnknownTopicOrPartitionException seen on a loaded machine), so wait for it instead of racing it.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
          Config cfg =
              admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, "models")))
                  .all().get().values().iterator().next();
          assertThat(cfg.get("cleanup.policy").value()).isEqualTo("compact");
        });
      }
      // An exactly-once style producer: transactions need the transaction state log settings of a single node.
      Properties pp = new Properties();
      pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
      pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-1");
      pp.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "900000"); // above the client default, below the broker max
      try (KafkaProducer<String, String> p = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
        p.initTransactions();
        p.beginTransaction();
        p.send(new ProducerRecord<>("samples", 0, "k", "committed"));
        p.commitTransaction();
        p.beginTransaction();
        p.send(new ProducerRecord<>("samples", 0, "k", "aborted"));
        p.abortTransaction();
      }
      assertThat(readCommitted(broker, "samples", 0)).containsExactly("committed");
    }
    assertThat(dataDir).doesNotExist();
  }

  @Test
  void restartOnTheSameDataDirectoryKeepsTopicsAndRecords(@TempDir Path dir) throws Exception {
    int port;
    try (KafkaBroker broker = KafkaBroker.builder().dataDir(dir).build().start()) {
      port = broker.port();
      try (Admin admin = admin(broker)) {
        Topics.ensure(admin, TopicSpec.of("kept", 1));
      }
      Properties pp = new Properties();
      pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
      try (KafkaProducer<String, String> p = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
        p.send(new ProducerRecord<>("kept", 0, null, "v1")).get();
      }
    }
    assertThat(dir).exists();
    assertThat(Files.exists(dir.resolve("kraft-logs").resolve("meta.properties"))).isTrue();
    try (KafkaBroker broker = KafkaBroker.builder().dataDir(dir).port(port).build().start()) {
      assertThat(broker.port()).isEqualTo(port);
      assertThat(readCommitted(broker, "kept", 0)).containsExactly("v1");
    }
  }

  static Admin admin(KafkaBroker broker) {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
  }

  static List<String> readCommitted(KafkaBroker broker, String topic, int partition) {
    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, partition);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (c.position(tp) < end && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
          out.add(r.value());
        }
      }
    }
    return out;
  }
}
