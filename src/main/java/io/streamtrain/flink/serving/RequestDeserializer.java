package io.streamtrain.flink.serving;

import io.streamtrain.avro.RequestCategoricalField;
import io.streamtrain.avro.RequestNumericField;
import io.streamtrain.avro.ScoreRequest;
import io.streamtrain.core.data.Example;
import java.io.IOException;
import java.util.List;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads the requests topic: a ScoreRequest becomes a {@link RequestRecord} with its features in an {@link Example};
 * anything else (random or truncated bytes, another schema, trailing bytes) becomes a record with reason
 * UNDECODABLE and the decoder's message, so a malformed request reaches the rejected topic and never stops the job.
 */
public final class RequestDeserializer implements KafkaRecordDeserializationSchema<RequestRecord> {
  private static final long serialVersionUID = 1L;
  public static final String UNDECODABLE = "UNDECODABLE";

  private transient SpecificDatumReader<ScoreRequest> reader;
  private transient BinaryDecoder decoder;
  private transient ScoreRequest reuse;

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RequestRecord> out) throws IOException {
    if (reader == null) {
      reader = new SpecificDatumReader<>(ScoreRequest.class);
    }
    RequestRecord r = new RequestRecord();
    r.topic = record.topic();
    r.partition = record.partition();
    r.offset = record.offset();
    r.timestamp = record.timestamp();
    byte[] value = record.value();
    r.raw = value == null ? new byte[0] : value;
    try {
      if (value == null) {
        throw new IOException("the record has no value (a tombstone)");
      }
      decoder = DecoderFactory.get().binaryDecoder(value, decoder);
      reuse = reader.read(reuse, decoder);
      if (!decoder.isEnd()) {
        throw new IOException("trailing bytes after the ScoreRequest record");
      }
      toRecord(reuse, r);
    } catch (IOException | RuntimeException e) {
      r.example.clear();
      r.reason = UNDECODABLE;
      r.message = "not a ScoreRequest record: " + e;
    } catch (OutOfMemoryError e) {
      r.example.clear();
      r.reason = UNDECODABLE;
      r.message = "not a ScoreRequest record: a length prefix is absurdly large";
    }
    out.collect(r);
  }

  /** The request's id and features into {@code r} (event time: the request's, else the Kafka timestamp). */
  static void toRecord(ScoreRequest q, RequestRecord r) {
    r.requestId = q.getRequestId();
    Example e = r.example.clear();
    e.setModelId(q.getModelId());
    e.setEventTime(q.getEventTime() != null ? q.getEventTime().toEpochMilli() : r.timestamp);
    List<Double> dense = q.getDense();
    for (int i = 0; i < dense.size(); i++) {
      e.addDense(dense.get(i));
    }
    List<Integer> idx = q.getSparseIndices();
    List<Double> val = q.getSparseValues();
    if (idx.size() != val.size()) {
      throw new IllegalArgumentException("sparse_indices has " + idx.size() + " entries but sparse_values has "
          + val.size());
    }
    for (int i = 0; i < idx.size(); i++) {
      e.addSparse(idx.get(i), val.get(i));
    }
    for (RequestCategoricalField f : q.getCategorical()) {
      e.addCategorical(f.getName(), f.getValue());
    }
    for (RequestNumericField f : q.getNumeric()) {
      e.addNumeric(f.getName(), f.getValue());
    }
  }

  @Override
  public TypeInformation<RequestRecord> getProducedType() {
    return RequestRecord.TYPE;
  }
}
