package io.streamtrain.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.io.AvroJson;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Rejected samples by model and reason, counted from a rejected-samples topic read from its start (read_committed):
 * the dashboard's "rejected by reason" per model. Records without a model id (undecodable ones) count under
 * {@link #NO_MODEL}. After each poll, every model whose counts changed is handed to the listener as one JSON line
 * ({@code {"kind": "rejected", "model_id": ..., "by_reason": {REASON: count}}}).
 */
final class RejectedCounts implements AutoCloseable {
  static final String NO_MODEL = "(no model)";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String topic;
  private final Object lock;
  private final Consumer<String> changed;
  private final Map<String, Map<String, Long>> counts = new TreeMap<>();
  private final Thread feed;
  private volatile boolean running = true;
  private volatile long records;

  /** Follows {@code topic}; {@code lock} guards the counts (the dashboard's), {@code changed} gets each update. */
  RejectedCounts(KafkaSettings kafka, String topic, Object lock, Consumer<String> changed) {
    this.consumer = Topics.follower(kafka);
    this.topic = topic;
    this.lock = lock;
    this.changed = changed;
    this.feed = new Thread(this::follow, "dashboard-rejected");
    feed.setDaemon(true);
    feed.start();
  }

  private void follow() {
    try {
      if (!Topics.assignFromStart(consumer, topic, () -> running)) {
        return;
      }
      while (running) {
        Set<String> touched = new LinkedHashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          AvroJson.decode(RejectedSample.getClassSchema(), r.value()).ifPresent(o -> {
            JsonNode j = AvroJson.toJson(o);
            String model = j.path("model_id").isTextual() ? j.path("model_id").asText() : NO_MODEL;
            synchronized (lock) {
              counts.computeIfAbsent(model, k -> new TreeMap<>()).merge(j.path("reason").asText(), 1L, Long::sum);
              records++;
            }
            touched.add(model);
          });
        }
        for (String model : touched) {
          synchronized (lock) {
            changed.accept(line(model));
          }
        }
      }
    } catch (WakeupException | InterruptedException e) {
      // closing
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** The counts of {@code model} as the event line the page reads; call holding the lock. */
  private String line(String model) {
    ObjectNode o = JSON.createObjectNode().put("kind", "rejected").put("model_id", model);
    o.set("by_reason", JSON.valueToTree(counts.get(model)));
    return o.toString();
  }

  /** One event line per model counted so far; call holding the lock. */
  List<String> lines() {
    List<String> out = new ArrayList<>();
    counts.keySet().forEach(m -> out.add(line(m)));
    return out;
  }

  /** {model: {reason: count}}; call holding the lock. */
  ObjectNode json() {
    return JSON.valueToTree(counts);
  }

  /** Rejected records counted so far. */
  long records() {
    return records;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    feed.join(10_000);
  }
}
