package io.streamtrain.flink.training;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.SnapshotParts;
import io.streamtrain.job.JobSpec;
import java.util.List;
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
  /** Below the broker's transaction.max.timeout.ms (default 15 minutes: a larger transaction.timeout.ms fails the sink's producers). */
  public static final String TRANSACTION_TIMEOUT_MS = "60000";
  /** Bytes one fetch request of the source may bring (half of it per partition): the bound on its buffers. */
  public static final int SOURCE_FETCH_BYTES = 4 << 20;

  private KafkaTrainingIo() {}

  /**
   * The training job of {@code spec} reading from and writing to Kafka; a {@code warm_start} is resolved here,
   * before the job starts (snapshots read, mapped and checked against the configurations).
   */
  public static TrainingJob job(JobSpec spec, KafkaSettings kafka) {
    if (spec.input().labels() != null) {
      // Delayed labels: the samples are built from two topics (LabelJoinStream); no consumer lag (the lag
      // markers follow one source's offsets); not data-parallel (JobSpec refuses parallel with input.labels).
      return new TrainingJob(spec, null, sinks(spec, kafka))
          .withSamples(env -> LabelJoinStream.kafka(spec, kafka).build(env))
          .withWarmStarts(WarmStarts.load(spec, kafka));
    }
    TrainingJob job = new TrainingJob(spec, source(spec, kafka), sinks(spec, kafka))
        .withConsumerLag(endOffsets(spec, kafka), ValidateFunction.LAG_INTERVAL_MS)
        .withWarmStarts(WarmStarts.load(spec, kafka));
    if (spec.parallel().enabled()) {
      job.withDataParallel(DataParallel.load().kafka(spec, kafka));
    }
    return job;
  }

  /** The rounds topic of a data-parallel job: {@code <job name>-rounds}, one partition (created if missing). */
  public static String roundsTopic(JobSpec spec) {
    return spec.name() + "-rounds";
  }

  /** End offsets of the samples topic, asked with the source's own client settings (consumer_lag). */
  public static EndOffsets endOffsets(JobSpec spec, KafkaSettings kafka) {
    return new KafkaEndOffsets(spec.topics().samples(), kafka, "streamtrain-" + spec.name());
  }

  public static KafkaSource<SampleRecord> source(JobSpec spec, KafkaSettings kafka) {
    return source(spec, kafka, spec.topics().samples(), new SampleDeserializer(spec.raw()));
  }

  /** A source of {@code topic} with the job's start, bound, consumer group and fetch settings. */
  public static <T> KafkaSource<T> source(JobSpec spec, KafkaSettings kafka, String topic,
      org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema<T> deserializer) {
    // Bounded memory under backpressure: what the source holds on the heap is the consumer's fetched data (at
    // most fetch.max.bytes per broker) plus the connector's hand-over queue (source.reader.element.queue.capacity,
    // default 2, of one poll each: at most max.poll.records records and never more than was fetched), so a few
    // fetches' worth whatever the record size. With 8 MB per partition and Kafka's default 50 MB per fetch,
    // BackpressureIT's 4 KB records ran a 128 MB heap out of memory; 4 MB per fetch keeps its live heap near 60 MB
    // (docs/reliability.md). Half of that per partition lets one fetch serve two partitions: with a whole fetch per
    // partition, one partition starved the other for seconds after a start (and consumer_lag did not count it yet).
    // These are defaults: a setting in the Kafka client properties (conf/kafka.properties) wins, so a job with
    // small records and heap to spare can fetch more at a time.
    Properties props = new Properties();
    props.putAll(Map.of(
        "max.poll.records", "5000",
        "max.partition.fetch.bytes", String.valueOf(SOURCE_FETCH_BYTES / 2),
        "fetch.max.bytes", String.valueOf(SOURCE_FETCH_BYTES)));
    props.putAll(kafka.clientProperties());
    KafkaSourceBuilder<T> b = KafkaSource.<T>builder()
        .setBootstrapServers(kafka.bootstrapServers())
        .setProperties(props)
        .setTopics(topic)
        .setGroupId("streamtrain-" + spec.name())
        .setDeserializer(deserializer);
    b.setProperty("commit.offsets.on.checkpoint", "true");
    switch (spec.start()) {
      case LATEST -> b.setStartingOffsets(OffsetsInitializer.latest());
      case COMMITTED -> b.setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST));
      case EARLIEST -> b.setStartingOffsets(OffsetsInitializer.earliest());
    }
    if (spec.bounded()) {
      b.setBounded(OffsetsInitializer.latest());
    }
    return b.build();
  }

  public static TrainingJob.Sinks sinks(JobSpec spec, KafkaSettings kafka) {
    int maxRecord = AvroRecordSerializer.maxRecordBytes(producerProperties(kafka));
    JobSpec.Topics t = spec.topics();
    Map<String, Integer> topicLimits = topicMessageLimits(kafka, List.of(t.metrics(), t.models(), t.rejected()));
    AvroRecordSerializer<TrainingMetrics> metrics =
        new AvroRecordSerializer<>(t.metrics(), TrainingMetrics.class, m -> m.getModelId());
    // A snapshot bigger than one part is several records (SnapshotParts): a key per part so compaction keeps them
    // all, and the head's partition for every part so one commit marker publishes the whole version.
    AvroRecordSerializer<ModelSnapshot> models =
        new AvroRecordSerializer<>(t.models(), ModelSnapshot.class, SnapshotParts::key)
            .withPartition((m, n) -> SnapshotParts.partition(m.getModelId(), n));
    AvroRecordSerializer<RejectedSample> rejected =
        new AvroRecordSerializer<>(t.rejected(), RejectedSample.class, r -> r.getModelId());
    limit(metrics, t.metrics(), maxRecord, topicLimits, null);
    limit(models, t.models(), maxRecord, topicLimits, null);
    // Bad data never stops a job: a rejected sample too big to publish loses its raw bytes, not the job.
    limit(rejected, t.rejected(), maxRecord, topicLimits, KafkaTrainingIo::withoutRaw);
    return new TrainingJob.Sinks(sink(kafka, spec.name() + "-metrics", metrics),
        sink(kafka, spec.name() + "-models", models), sink(kafka, spec.name() + "-rejected", rejected));
  }

  /**
   * Bounds {@code ser} by the producer's max.request.size or, when lower, the topic's max.message.bytes: the
   * broker refuses a larger batch asynchronously, which would otherwise fail every retry of the same checkpoint.
   */
  public static <T extends org.apache.avro.specific.SpecificRecord> void limit(AvroRecordSerializer<T> ser, String topic,
      int producerBound, Map<String, Integer> topicLimits, AvroRecordSerializer.SerializableShrink<T> shrink) {
    Integer topicLimit = topicLimits.get(topic);
    int topicBound = topicLimit == null ? Integer.MAX_VALUE
        : Math.max(0, topicLimit - AvroRecordSerializer.MAX_RECORD_OVERHEAD);
    if (topicBound < producerBound) {
      ser.withMaxRecordBytes(topicBound, "the max.message.bytes of topic " + topic + " (" + topicLimit + ")",
          shrink);
    } else {
      ser.withMaxRecordBytes(producerBound, shrink);
    }
  }

  /**
   * max.message.bytes of those {@code topics} that exist, asked once before the job starts; empty when the
   * broker cannot tell (topics not created yet take the broker's message.max.bytes, which the producer's default
   * bound already respects unless both were changed; describing configs may also be denied).
   */
  public static Map<String, Integer> topicMessageLimits(KafkaSettings kafka, List<String> topics) {
    Map<String, Integer> out = new java.util.TreeMap<>();
    Properties p = kafka.toProperties(Map.of("request.timeout.ms", "10000", "default.api.timeout.ms", "10000"));
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(p)) {
      for (String topic : new java.util.TreeSet<>(topics)) {
        var res = new org.apache.kafka.common.config.ConfigResource(
            org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
        try {
          var cfg = admin.describeConfigs(List.of(res)).all().get(10, java.util.concurrent.TimeUnit.SECONDS).get(res);
          var e = cfg == null ? null : cfg.get("max.message.bytes");
          if (e != null && e.value() != null) {
            out.put(topic, Integer.parseInt(e.value().trim()));
          }
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
            | NumberFormatException e) {
          // Unknown topic or no permission: the producer's bound alone applies.
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (org.apache.kafka.common.KafkaException e) {
      // No admin client for these settings: the producer's bound alone applies.
    }
    return out;
  }

  /** The rejected sample without its raw bytes, the message saying why. */
  public static RejectedSample withoutRaw(RejectedSample r, int size, int max) {
    return RejectedSample.newBuilder(r)
        .setRaw(java.nio.ByteBuffer.allocate(0))
        .setMessage(r.getMessage() + " [raw value of " + r.getRaw().remaining() + " bytes dropped: the record ("
            + size + " bytes) exceeded the " + max + " bytes max.request.size allows]")
        .build();
  }

  /** The settings of the job's exactly-once producers (transactions outlive checkpoints; lz4; 5 ms linger). */
  public static Properties producerProperties(KafkaSettings kafka) {
    return kafka.toProperties(Map.of(
        "transaction.timeout.ms", TRANSACTION_TIMEOUT_MS,
        "compression.type", "lz4",
        "linger.ms", "5"));
  }

  /** An exactly-once sink: Kafka transactions committed with the checkpoints, ids prefixed {@code txPrefix}. */
  public static <T> KafkaSink<T> sink(KafkaSettings kafka, String txPrefix, KafkaRecordSerializationSchema<T> ser) {
    Properties props = producerProperties(kafka);
    return KafkaSink.<T>builder()
        .setBootstrapServers(kafka.bootstrapServers())
        .setKafkaProducerConfig(props)
        .setRecordSerializer(ser)
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(txPrefix)
        .build();
  }
}
