package io.streamtrain.flink.training;

import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.RejectReason;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import java.io.IOException;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes Avro Sample bytes straight into a {@link SampleRecord} with the hand-written codec (no generated
 * objects, no boxing). A record that does not decode is never dropped and never fails the job: it is emitted with
 * reason {@code UNDECODABLE}, its raw bytes and the decoder's message, to go to the rejected-samples topic.
 *
 * <p>One {@link SampleRecord} is reused for every record (its arrays only grow): the Kafka source pushes each
 * record synchronously through the chained validation into the network writer, which serializes it at once, and
 * with object reuse off Flink copies between chained operators anyway. A caller that collects records must copy.
 */
public final class SampleDeserializer implements KafkaRecordDeserializationSchema<SampleRecord> {
  private static final long serialVersionUID = 1L;
  /** Job-level reason for a sample without a label (the core only sees labelled examples). */
  public static final String MISSING_LABEL = "MISSING_LABEL";

  private transient SampleCodec codec;
  private transient MutableSample scratch;
  private transient SampleRecord reuse;

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    codec = new SampleCodec();
    scratch = new MutableSample();
    reuse = new SampleRecord();
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<SampleRecord> out) throws IOException {
    if (codec == null) {
      open(null);
    }
    SampleRecord r = reuse;
    r.configIndex = -1;
    r.reason = null;
    r.message = null;
    r.raw = null;
    r.topic = record.topic();
    r.partition = record.partition();
    r.offset = record.offset();
    r.timestamp = record.timestamp();
    byte[] value = record.value();
    if (value == null) {
      reject(r, RejectReason.UNDECODABLE.name(), "record has no value (tombstone)", new byte[0]);
    } else {
      try {
        codec.decode(value, scratch);
        toExample(scratch, r.example);
        if (scratch.labelKind == MutableSample.LabelKind.NONE) {
          r.reason = MISSING_LABEL;
          r.message = "the sample has no label (null)";
        }
      } catch (IOException | RuntimeException e) {
        // Truncated input, bad union branches, trailing bytes, absurd lengths: all one reason, with the detail.
        reject(r, RejectReason.UNDECODABLE.name(), "not a Sample record: " + e, value);
      } catch (OutOfMemoryError e) {
        reject(r, RejectReason.UNDECODABLE.name(), "not a Sample record: a length prefix is absurdly large", value);
      }
    }
    out.collect(r);
  }

  private static void reject(SampleRecord r, String reason, String message, byte[] raw) {
    r.example.clear();
    r.reason = reason;
    r.message = message;
    r.raw = raw;
  }

  /** Copies the wire form into the core's example (label kinds all become the double label the core uses). */
  public static void toExample(MutableSample s, Example e) {
    e.clear();
    e.setModelId(s.modelId);
    e.setEventTime(s.eventTime);
    e.setDense(s.dense, s.denseSize);
    for (int i = 0; i < s.sparseSize; i++) {
      e.addSparse(s.sparseIndices[i], s.sparseValues[i]);
    }
    for (int i = 0; i < s.categoricalSize; i++) {
      e.addCategorical(s.categoricalNames[i], s.categoricalValues[i]);
    }
    for (int i = 0; i < s.numericSize; i++) {
      e.addNumeric(s.numericNames[i], s.numericValues[i]);
    }
    e.setLabel(s.label);
    e.setWeight(s.hasWeight ? s.weight : 1.0);
  }

  @Override
  public TypeInformation<SampleRecord> getProducedType() {
    return SampleRecord.TYPE;
  }
}
