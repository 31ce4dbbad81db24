package io.streamtrain.flink.training;

import io.streamtrain.avro.RejectedSample;
import io.streamtrain.core.data.Example;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * Turns a rejected {@link SampleRecord} into the wire {@link RejectedSample}: source coordinates, reason code,
 * message and bytes. Records that did not decode keep their original bytes; samples that decoded but do not fit
 * their model are re-encoded as a Sample (the same content, so a user can fix and replay them). Not thread-safe.
 */
public final class Rejections {
  private final SampleCodec codec = new SampleCodec();
  private final MutableSample scratch = new MutableSample();

  public RejectedSample toAvro(SampleRecord r) {
    byte[] raw = r.raw != null ? r.raw : codec.encode(toMutable(r.example, scratch));
    String modelId = r.raw != null ? null : r.example.modelId();
    return RejectedSample.newBuilder()
        .setSourceTopic(r.topic)
        .setSourcePartition(r.partition)
        .setSourceOffset(r.offset)
        .setSourceTimestamp(r.timestamp >= 0 ? Instant.ofEpochMilli(r.timestamp) : null)
        .setModelId(modelId)
        .setReason(r.reason)
        .setMessage(r.message == null ? "" : r.message)
        .setRaw(ByteBuffer.wrap(raw))
        .build();
  }

  static MutableSample toMutable(Example e, MutableSample s) {
    s.clear();
    s.modelId = e.modelId();
    s.eventTime = e.eventTime();
    for (int i = 0; i < e.denseLength(); i++) {
      s.addDense(e.denseValue(i));
    }
    for (int i = 0; i < e.sparseLength(); i++) {
      s.addSparse(e.sparseIndex(i), e.sparseValue(i));
    }
    for (int i = 0; i < e.categoricalLength(); i++) {
      s.addCategorical(e.categoricalName(i), e.categoricalValue(i));
    }
    for (int i = 0; i < e.numericLength(); i++) {
      s.addNumeric(e.numericName(i), e.numericValue(i));
    }
    s.setRealLabel(e.label());
    if (e.weight() != 1.0) {
      s.setWeight(e.weight());
    }
    return s;
  }
}
