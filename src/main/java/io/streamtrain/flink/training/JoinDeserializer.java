package io.streamtrain.flink.training;

import io.streamtrain.io.MutableSample;
import io.streamtrain.io.events.EventDecoder;
import io.streamtrain.io.events.InputSpec;
import io.streamtrain.io.events.LabelsSpec;
import java.io.IOException;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes one side of the delayed-label join: features events (mapped by {@code input.mapping}, keyed by the
 * features' key path) or label events ({@code input.labels}: key, event time, label). A record that does not
 * decode or map, or has no join key, becomes a {@link JoinRecord#REJECTED} record (reason UNMAPPABLE, the path or
 * cause, the raw bytes) for the rejected topic. One {@link JoinRecord} is reused (the source hands it on at once).
 */
public final class JoinDeserializer implements KafkaRecordDeserializationSchema<JoinRecord> {
  private static final long serialVersionUID = 1L;
  private final InputSpec input;
  private final boolean labelSide;
  private transient EventDecoder decoder;
  private transient MutableSample scratch;
  private transient JoinRecord reuse;
  private transient SampleRecord rejected;

  /** The features side ({@code labelSide} false) or the labels side of {@code input} (which has labels). */
  public JoinDeserializer(InputSpec input, boolean labelSide) {
    if (input.labels() == null) {
      throw new IllegalArgumentException("input has no labels section");
    }
    this.input = input;
    this.labelSide = labelSide;
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    decoder = labelSide ? EventDecoder.of(input.labels().decoderInput(input), input.labels().labelFields())
        : EventDecoder.of(input, input.featureFields());
    scratch = new MutableSample();
    reuse = new JoinRecord();
    rejected = new SampleRecord();
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<JoinRecord> out) throws IOException {
    if (decoder == null) {
      open(null);
    }
    JoinRecord r = reuse;
    r.partition = record.partition();
    r.offset = record.offset();
    byte[] value = record.value();
    String why;
    if (value == null) {
      why = "record has no value (tombstone)";
    } else {
      try {
        Object event = decoder.decode(value);
        why = labelSide ? label(event, record.timestamp(), r) : features(event, record.timestamp(), r);
      } catch (IOException | RuntimeException e) {
        why = "not an event of the " + (labelSide ? "labels'" : "input") + " format: " + e.getMessage();
      }
    }
    if (why != null) {
      SampleRecord s = rejected;
      s.example.clear();
      s.configIndex = -1;
      s.topic = record.topic();
      s.partition = record.partition();
      s.offset = record.offset();
      s.timestamp = record.timestamp();
      s.reason = SampleDeserializer.UNMAPPABLE;
      s.message = (labelSide ? "the label event does not map: " : "the event does not map to a sample: ") + why;
      s.raw = value == null ? new byte[0] : value;
      r.kind = JoinRecord.REJECTED;
      r.rejected = s;
    }
    out.collect(r);
  }

  private String features(Object event, long timestamp, JoinRecord r) {
    String why = input.mapping().map(event, timestamp, scratch);
    if (why != null) {
      return why;
    }
    String key = input.labels().featureKey(event);
    if (key == null) {
      return input.labels().featureKeyPath() + ": missing (the join key)";
    }
    SampleDeserializer.toExample(scratch, r.example);
    r.kind = JoinRecord.FEATURE;
    r.key = key;
    return null;
  }

  private String label(Object event, long timestamp, JoinRecord r) {
    LabelsSpec l = input.labels();
    String why = l.map(event, timestamp, scratch);
    if (why != null) {
      return why;
    }
    r.example.clear();
    r.example.setEventTime(scratch.eventTime);
    r.example.setLabel(scratch.label);
    r.kind = JoinRecord.LABEL;
    r.key = scratch.key;
    return null;
  }

  @Override
  public TypeInformation<JoinRecord> getProducedType() {
    return JoinRecord.TYPE;
  }
}
