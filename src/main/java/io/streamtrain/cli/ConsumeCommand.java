package io.streamtrain.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.core.SpecException;
import io.streamtrain.io.AvroJson;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.Schemas;
import io.streamtrain.io.SnapshotJson;
import io.streamtrain.io.SnapshotParts;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code streamtrain consume}: prints the records of a topic, from the beginning of every partition, as JSON
 * lines (one object per record, field names as in the schema; see {@link AvroJson} for the value forms). The
 * schema comes from the {@value Schemas#HEADER} header, or is detected by trying each streamtrain schema. Records
 * that match no schema are reported on stderr with their partition and offset and skipped. Stops after {@code
 * --max} records or when no record arrived for {@code --timeout} seconds. Reads with read_committed by default,
 * so only committed output of exactly-once jobs is shown. No consumer group: nothing is committed. Model
 * snapshots print their parameter vectors summarized ({@link SnapshotJson}) unless {@code --full-parameters};
 * snapshots written with an older ModelSnapshot schema are read too.
 */
@Command(
    name = "consume",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Print the records of a topic (any streamtrain schema) as JSON lines.")
public final class ConsumeCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafkaOptions;

  @Option(names = "--topic", required = true, description = "Topic to read.")
  String topic;

  @Option(names = "--max", description = "Stop after this many records (default: no limit).")
  Long max;

  @Option(names = "--timeout", description = "Stop after this many seconds without a new record (default ${DEFAULT-VALUE}).", defaultValue = "10")
  double timeout;

  @Option(names = "--isolation", description = "read_committed (default) or read_uncommitted.", defaultValue = "read_committed")
  String isolation;

  @Option(names = "--full-parameters", description = "Print model snapshots' parameter vectors in full instead of"
      + " summarized (count, first values, min, max, L2 norm) when longer than " + SnapshotJson.FULL_UP_TO + ".")
  boolean fullParameters;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (max != null && max < 0) {
      throw new SpecException("--max", max, "allowed: an integer >= 0");
    }
    if (!(timeout > 0) || !Double.isFinite(timeout)) {
      throw new SpecException("--timeout", timeout, "allowed: a positive number of seconds");
    }
    if (!isolation.equals("read_committed") && !isolation.equals("read_uncommitted")) {
      throw new SpecException("--isolation", isolation, "allowed: read_committed, read_uncommitted");
    }
    KafkaSettings settings = kafkaOptions.settings();
    BrokerCheck.require(settings);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ObjectMapper mapper = new ObjectMapper();
    Map<String, Object> extra =
        Map.of(
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
            // Looking at a topic must never create it.
            ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false",
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
            ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    long limit = max == null ? Long.MAX_VALUE : max;
    long printed = 0;
    long undecodable = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(settings.toProperties(extra), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      long timeoutNanos = (long) (timeout * 1e9);
      long lastData = System.nanoTime();
      List<TopicPartition> partitions = partitions(consumer, timeoutNanos, lastData);
      if (partitions.isEmpty()) {
        err.println("error: topic " + topic + " does not exist (no partitions found within " + timeout + " s)");
        return 1;
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (printed < limit && System.nanoTime() - lastData < timeoutNanos) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
        if (records.isEmpty()) {
          continue;
        }
        lastData = System.nanoTime();
        for (ConsumerRecord<byte[], byte[]> r : records) {
          if (printed >= limit) {
            break;
          }
          Optional<GenericRecord> rec = decode(r);
          if (rec.isEmpty()) {
            undecodable++;
            Optional<Schema> named = Schemas.fromHeaders(r.headers());
            boolean otherVersion = named.isPresent() && Schemas.writtenWithOtherVersion(r.headers(), named.get());
            err.println(
                "skipped " + topic + "/" + r.partition() + "@" + r.offset() + ": "
                    + (otherVersion
                        ? "a " + named.get().getName() + " written with another schema version (fingerprint differs)"
                        : "not a record of any streamtrain schema"));
            continue;
          }
          boolean snapshot = rec.get().getSchema().getFullName().equals(ModelSnapshot.getClassSchema().getFullName());
          out.println(mapper.writeValueAsString(snapshot && !fullParameters
              ? SnapshotJson.summarized(rec.get()) : AvroJson.toJson(rec.get())));
          printed++;
        }
        out.flush();
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    } catch (org.apache.kafka.common.KafkaException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
    out.flush();
    if (undecodable > 0) {
      err.println(undecodable + " records skipped (not a streamtrain schema)");
    }
    return 0;
  }

  private List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, long timeoutNanos, long start) {
    // A topic created a moment ago may not be visible yet: retry within the timeout.
    while (true) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
      if (infos != null && !infos.isEmpty()) {
        List<TopicPartition> out = new ArrayList<>();
        for (PartitionInfo p : infos) {
          out.add(new TopicPartition(p.topic(), p.partition()));
        }
        out.sort(Comparator.comparingInt(TopicPartition::partition));
        return out;
      }
      if (System.nanoTime() - start >= timeoutNanos) {
        return List.of();
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return List.of();
      }
    }
  }

  private static Optional<GenericRecord> decode(ConsumerRecord<byte[], byte[]> r) {
    if (r.value() == null) {
      return Optional.empty();
    }
    Optional<Schema> named = Schemas.fromHeaders(r.headers());
    if (named.isPresent()) {
      Optional<GenericRecord> rec = AvroJson.decode(named.get(), r.value());
      if (rec.isEmpty() && named.get().equals(ModelSnapshot.getClassSchema())) {
        // Written before snapshots had an origin (v2), or before they had parts (v1): resolved to the current one.
        rec = AvroJson.decode(SnapshotParts.v2Schema(), named.get(), r.value());
        if (rec.isEmpty()) {
          rec = AvroJson.decode(SnapshotParts.v1Schema(), named.get(), r.value());
        }
      }
      return rec;
    }
    return AvroJson.detect(r.value());
  }
}
