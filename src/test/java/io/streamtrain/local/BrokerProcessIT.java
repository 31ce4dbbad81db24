package io.streamtrain.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.io.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code streamtrain broker} as a separate JVM (the user's path and the one reliability tests need): it prints
 * its ready line with the address, SIGTERM stops it cleanly, SIGKILL crashes it, and a restart on the same port
 * and data directory serves the records written before.
 */
class BrokerProcessIT {
  @TempDir Path dir;
  BrokerProcess broker;

  @AfterEach
  void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void stopsOnSigtermSurvivesSigkillAndRestartsWithItsData() throws Exception {
    broker = new BrokerProcess(Path.of("").toAbsolutePath(), dir.resolve("data"), dir.resolve("broker.log")).start();
    assertThat(broker.isRunning()).isTrue();
    assertThat(Files.readString(broker.logFile())).contains("ready").contains("localhost:" + broker.port());
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()))) {
      Topics.ensure(admin, Topics.TopicSpec.of("durable", 1));
    }
    send("before-stop");

    int exit = broker.stop();
    // 143 = 128 + SIGTERM: the JVM ran its shutdown hooks (the broker's clean shutdown) and exited.
    assertThat(exit).isEqualTo(143);
    assertThat(broker.isRunning()).isFalse();
    assertThat(Files.readString(broker.logFile())).doesNotContain("Exception in thread \"main\"");

    broker.start();
    assertThat(read()).containsExactly("before-stop");
    send("before-kill");

    broker.kill();
    assertThat(broker.isRunning()).isFalse();
    broker.start();
    assertThat(read()).containsExactly("before-stop", "before-kill");
  }

  private void send(String value) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>("durable", 0, null, value)).get();
    }
  }

  private List<String> read() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      TopicPartition tp = new TopicPartition("durable", 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp), Duration.ofSeconds(60)).get(tp);
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
