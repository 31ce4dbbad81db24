package io.streamtrain.flink.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.io.SnapshotParts;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema.KafkaSinkContext;
import org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

/**
 * The sink serializer: a model's snapshot parts get a key each and all go to the partition Kafka's default
 * partitioner picks for the model id; a record above max.request.size fails with an error Flink's scheduler
 * treats as unrecoverable (no restart loop) and that names the setting; a rejected sample too big loses its raw
 * bytes instead of stopping the job.
 */
class AvroRecordSerializerTest {
  static final KafkaSinkContext THREE_PARTITIONS = new KafkaSinkContext() {
    @Override
    public int getParallelInstanceId() {
      return 0;
    }

    @Override
    public int getNumberOfParallelInstances() {
      return 1;
    }

    @Override
    public int[] getPartitionsForTopic(String topic) {
      return new int[] {0, 1, 2};
    }
  };

  static RejectedSample rejected(int rawBytes) {
    return RejectedSample.newBuilder().setModelId("m").setMessage("bad label")
        .setRaw(ByteBuffer.wrap(new byte[rawBytes])).build();
  }

  @Test
  void snapshotPartsHaveAKeyEachAndTheModelIdsPartition() {
    AvroRecordSerializer<ModelSnapshot> ser = new AvroRecordSerializer<>("models", ModelSnapshot.class,
        SnapshotParts::key).withPartition((m, n) -> SnapshotParts.partition(m.getModelId(), n))
        .withMaxRecordBytes(AvroRecordSerializer.maxRecordBytes(new Properties()), null);
    double[] params = new double[3 * SnapshotParts.PART_PARAMETERS];
    ModelSnapshot head = ModelSnapshot.newBuilder().setModelId("tenant-7").setVersion(2)
        .setSpec(new io.streamtrain.avro.ModelSpec("linear", List.of(), "{}", "{}")).setParameters(List.of())
        .setBuffers(List.of()).setChecksum(io.streamtrain.io.ParameterChecksum.of(params)).build();
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
    SnapshotParts.split(head, params, p -> out.add(ser.serialize(p, THREE_PARTITIONS, null)));
    int expected = BuiltInPartitioner.partitionForKey("tenant-7".getBytes(StandardCharsets.UTF_8), 3);
    assertThat(out).hasSize(3).allSatisfy(r -> assertThat(r.partition()).isEqualTo(expected));
    assertThat(out).extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
        .containsExactly("tenant-7", "tenant-7\u00001", "tenant-7\u00002");
    assertThat(out).allSatisfy(r -> assertThat(r.value().length).isLessThan(1024 * 1024 - 128));
  }

  @Test
  void aRecordAboveMaxRequestSizeFailsOnceNamingTheSetting() {
    AvroRecordSerializer<RejectedSample> ser = new AvroRecordSerializer<>("rejected", RejectedSample.class,
        r -> r.getModelId()).withMaxRecordBytes(1_000, null);
    assertThat(ser.serialize(rejected(100), THREE_PARTITIONS, null).partition()).isNull();
    assertThatThrownBy(() -> ser.serialize(rejected(5_000), THREE_PARTITIONS, null))
        .satisfies(e -> assertThat(ExecutionFailureHandler.isUnrecoverableError(e)).isTrue())
        .rootCause().hasMessageContaining("max.request.size").hasMessageContaining("rejected")
        .hasMessageContaining("1000 bytes");
  }

  @Test
  void aRejectedSampleTooBigLosesItsRawBytesNotTheJob() throws Exception {
    AvroRecordSerializer<RejectedSample> ser = new AvroRecordSerializer<>("rejected", RejectedSample.class,
        r -> r.getModelId()).withMaxRecordBytes(1_000, KafkaTrainingIo::withoutRaw);
    ProducerRecord<byte[], byte[]> r = ser.serialize(rejected(5_000), THREE_PARTITIONS, null);
    RejectedSample back = new org.apache.avro.specific.SpecificDatumReader<>(RejectedSample.class)
        .read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(r.value(), null));
    assertThat(back.getRaw().remaining()).isZero();
    assertThat(back.getMessage()).startsWith("bad label").contains("raw value of 5000 bytes dropped");
  }

  @Test
  void theBoundIsMaxRequestSizeLessKafkasRecordOverhead() {
    assertThat(AvroRecordSerializer.maxRecordBytes(new Properties())).isEqualTo(1_048_576 - 128);
    Properties p = new Properties();
    p.setProperty("max.request.size", "4000000");
    assertThat(AvroRecordSerializer.maxRecordBytes(p)).isEqualTo(4_000_000 - 128);
  }
}
