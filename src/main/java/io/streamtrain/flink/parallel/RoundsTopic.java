package io.streamtrain.flink.parallel;

import io.streamtrain.core.parallel.ShardUpdate;
import io.streamtrain.core.parallel.ShardUpdates;
import io.streamtrain.io.KafkaSettings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The loop of a data-parallel job: merged rounds written to the rounds topic (one partition, exactly-once, so a
 * round is visible only once the checkpoint that produced it has completed) and read back read_committed by the
 * workers. A record is the job run's id (records of other runs are skipped: a job started afresh never applies
 * rounds an earlier run left in the topic) and the {@link ShardUpdates} binary form. The end marker
 * ({@link #end}) ends the reading side of a bounded job.
 */
public final class RoundsTopic {
  private RoundsTopic() {}

  /** The end marker: no model, worker -2. */
  public static ShardUpdate end() {
    return new ShardUpdate("", -2, -1, 0, 0, true, new double[0], null);
  }

  public static boolean isEnd(ShardUpdate u) {
    return u.worker() == -2;
  }

  static byte[] encode(String run, ShardUpdate u) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 8 * u.values().length);
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeUTF(run);
      ShardUpdates.write(out, u);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static KafkaSink<ShardUpdate> sink(String topic, String run, String txPrefix, KafkaSettings kafka,
      Properties producer) {
    KafkaRecordSerializationSchema<ShardUpdate> ser = (u, ctx, ts) -> new ProducerRecord<>(topic, 0, null,
        encode(run, u));
    Properties props = new Properties();
    props.putAll(producer);
    // A merged shard is at most shard_parameters doubles (512 KiB at the default 65,536).
    props.putIfAbsent("max.request.size", String.valueOf(16 << 20));
    return KafkaSink.<ShardUpdate>builder()
        .setBootstrapServers(kafka.bootstrapServers())
        .setKafkaProducerConfig(props)
        .setRecordSerializer(ser)
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(txPrefix)
        .build();
  }

  /** The workers' side: this run's merged rounds from the end of the topic at a fresh start, read_committed. */
  public static Source<ShardUpdate, ?, ?> source(String topic, String run, String group, KafkaSettings kafka,
      boolean bounded) {
    Properties props = new Properties();
    props.putAll(kafka.clientProperties());
    props.put("isolation.level", "read_committed");
    props.putIfAbsent("max.partition.fetch.bytes", String.valueOf(16 << 20));
    KafkaSource<ShardUpdate> k = KafkaSource.<ShardUpdate>builder()
        .setBootstrapServers(kafka.bootstrapServers())
        .setProperties(props)
        .setTopics(topic)
        .setGroupId(group)
        .setStartingOffsets(OffsetsInitializer.latest())
        .setDeserializer(new Deserializer(run))
        .build();
    return bounded ? new EndMarkerSource<>(k, RoundsTopic::isEnd) : k;
  }

  static final class Deserializer implements KafkaRecordDeserializationSchema<ShardUpdate> {
    private static final long serialVersionUID = 1L;
    private final String run;

    Deserializer(String run) {
      this.run = run;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<ShardUpdate> out) throws IOException {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(r.value()));
      if (in.readUTF().equals(run)) {
        out.collect(ShardUpdates.read(in));
      }
    }

    @Override
    public TypeInformation<ShardUpdate> getProducedType() {
      return Routed.UPDATE;
    }
  }

}
