package io.streamtrain.flink.serving;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.Prediction;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.flink.training.AvroRecordSerializer;
import io.streamtrain.flink.training.KafkaTrainingIo;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.job.ServeSpec;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The serve job's Kafka sources and exactly-once sinks from its spec and the Kafka client settings: the requests
 * topic (the spec's start; offsets in checkpoints), the model topic from its beginning with read_committed (only
 * versions of committed training transactions, assembled from their parts), and transactional sinks for
 * predictions and rejections, as the training job's ({@link KafkaTrainingIo}).
 */
public final class KafkaServeIo {
  private KafkaServeIo() {}

  public static ServeJob job(ServeSpec spec, KafkaSettings kafka) {
    return new ServeJob(spec, requests(spec, kafka), models(spec, kafka), sinks(spec, kafka));
  }

  public static KafkaSource<RequestRecord> requests(ServeSpec spec, KafkaSettings kafka) {
    KafkaSourceBuilder<RequestRecord> b = builder(kafka, spec.topics().requests(), "streamtrain-" + spec.name(),
        new RequestDeserializer());
    b.setProperty("commit.offsets.on.checkpoint", "true");
    switch (spec.start()) {
      case LATEST -> b.setStartingOffsets(OffsetsInitializer.latest());
      case COMMITTED -> b.setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST));
      case EARLIEST -> b.setStartingOffsets(OffsetsInitializer.earliest());
    }
    return b.build();
  }

  /** The model topic from the beginning: a compacted topic's first records are every model's latest versions. */
  public static KafkaSource<ModelSnapshot> models(ServeSpec spec, KafkaSettings kafka) {
    KafkaSourceBuilder<ModelSnapshot> b = builder(kafka, spec.topics().models(),
        "streamtrain-" + spec.name() + "-models", new ModelTopicDeserializer());
    b.setProperty("commit.offsets.on.checkpoint", "false");
    b.setStartingOffsets(OffsetsInitializer.earliest());
    return b.build();
  }

  private static <T> KafkaSourceBuilder<T> builder(KafkaSettings kafka, String topic, String group,
      org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema<T> d) {
    Properties props = new Properties();
    props.putAll(Map.of(
        "max.partition.fetch.bytes", String.valueOf(KafkaTrainingIo.SOURCE_FETCH_BYTES / 2),
        "fetch.max.bytes", String.valueOf(KafkaTrainingIo.SOURCE_FETCH_BYTES)));
    props.putAll(kafka.clientProperties());
    // Only records of committed transactions: a training job's snapshots become visible with its checkpoints.
    props.put("isolation.level", "read_committed");
    return KafkaSource.<T>builder()
        .setBootstrapServers(kafka.bootstrapServers())
        .setProperties(props)
        .setTopics(topic)
        .setGroupId(group)
        .setDeserializer(d);
  }

  public static ServeJob.Sinks sinks(ServeSpec spec, KafkaSettings kafka) {
    int maxRecord = AvroRecordSerializer.maxRecordBytes(KafkaTrainingIo.producerProperties(kafka));
    ServeSpec.Topics t = spec.topics();
    Map<String, Integer> limits = KafkaTrainingIo.topicMessageLimits(kafka, List.of(t.predictions(), t.rejected()));
    AvroRecordSerializer<Prediction> predictions =
        new AvroRecordSerializer<>(t.predictions(), Prediction.class, Prediction::getModelId);
    AvroRecordSerializer<RejectedSample> rejected =
        new AvroRecordSerializer<>(t.rejected(), RejectedSample.class, RejectedSample::getModelId);
    KafkaTrainingIo.limit(predictions, t.predictions(), maxRecord, limits, null);
    KafkaTrainingIo.limit(rejected, t.rejected(), maxRecord, limits, KafkaTrainingIo::withoutRaw);
    return new ServeJob.Sinks(KafkaTrainingIo.sink(kafka, spec.name() + "-predictions", predictions),
        KafkaTrainingIo.sink(kafka, spec.name() + "-rejected", rejected));
  }
}
