package io.streamtrain.flink.serving;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.io.SnapshotParts;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads the model topic's records in any of its schema versions ({@link SnapshotParts#decode}); a record that is
 * none of them is skipped, as every reader of the topic skips it.
 */
public final class ModelTopicDeserializer implements KafkaRecordDeserializationSchema<ModelSnapshot> {
  private static final long serialVersionUID = 1L;

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ModelSnapshot> out) {
    ModelSnapshot s = SnapshotParts.decode(record.value());
    if (s != null) {
      out.collect(s);
    }
  }

  @Override
  public TypeInformation<ModelSnapshot> getProducedType() {
    return new AvroTypeInfo<>(ModelSnapshot.class);
  }
}
