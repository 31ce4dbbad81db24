package io.streamtrain.flink.training;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.job.JobSpec;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The Kafka source and exactly-once sinks of the training job, from the job spec's topics and the Kafka client
 * settings (conf/kafka.properties, security settings passed through). Source offsets live in Flink's
 * checkpoints; sinks write in Kafka transactions committed on checkpoint completion, so a consumer reading with
 * isolation.level=read_committed sees every report and snapshot exactly once.
 */
public final class KafkaTrainingIo {
  /** Below the broker's transaction.max.timeout.ms (default 15 minutes; STACK.md pitfall 6). */
  public static final String TRANSACTION_TIMEOUT_MS = "60000";

  private KafkaTrainingIo() {}

  /** The training job of {@code spec} reading from and writing to Kafka. */
  public static TrainingJob job(JobSpec spec, KafkaSettings kafka) {
    return new TrainingJob(spec, source(spec, kafka), sinks(spec, kafka))
        .withConsumerLag(endOffsets(spec, kafka), ValidateFunction.LAG_INTERVAL_MS);
  }

  /** End offsets of the samples topic, asked with the source's own client settings (consumer_lag). */
  public static EndOffsets endOffsets(JobSpec spec, KafkaSettings kafka) {
    return new KafkaEndOffsets(spec.topics().samples(), kafka, "streamtrain-" + spec.name());
  }

  public static KafkaSource<SampleRecord> source(JobSpec spec, KafkaSettings kafka) {
    Properties props = kafka.toProperties(Map.of(
        "max.poll.records", "5000",
        "max.partition.fetch.bytes", String.valueOf(8 << 20)));
    KafkaSourceBuilder<SampleRecord> b = KafkaSource.<SampleRecord>builder()
        .setBootstrapServers(kafka.bootstrapServers())
        .setProperties(props)
        .setTopics(spec.topics().samples())
        .setGroupId("streamtrain-" + spec.name())
        .setDeserializer(new SampleDeserializer());
    b.setProperty("commit.offsets.on.checkpoint", "true");
    switch (spec.startFrom()) {
      case "latest" -> b.setStartingOffsets(OffsetsInitializer.latest());
      case "committed" -> b.setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST));
      default -> b.setStartingOffsets(OffsetsInitializer.earliest());
    }
    if (spec.bounded()) {
      b.setBounded(OffsetsInitializer.latest());
    }
    return b.build();
  }

  public static TrainingJob.Sinks sinks(JobSpec spec, KafkaSettings kafka) {
    return new TrainingJob.Sinks(
        sink(kafka, spec.name() + "-metrics",
            new AvroRecordSerializer<>(spec.topics().metrics(), TrainingMetrics.class, m -> m.getModelId())),
        sink(kafka, spec.name() + "-models",
            new AvroRecordSerializer<>(spec.topics().models(), ModelSnapshot.class, m -> m.getModelId())),
        sink(kafka, spec.name() + "-rejected",
            new AvroRecordSerializer<>(spec.topics().rejected(), RejectedSample.class, r -> r.getModelId())));
  }

  private static <T> KafkaSink<T> sink(KafkaSettings kafka, String txPrefix, KafkaRecordSerializationSchema<T> ser) {
    Properties props = kafka.toProperties(Map.of(
        "transaction.timeout.ms", TRANSACTION_TIMEOUT_MS,
        "compression.type", "lz4",
        "linger.ms", "5"));
    return KafkaSink.<T>builder()
        .setBootstrapServers(kafka.bootstrapServers())
        .setKafkaProducerConfig(props)
        .setRecordSerializer(ser)
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(txPrefix)
        .build();
  }
}
