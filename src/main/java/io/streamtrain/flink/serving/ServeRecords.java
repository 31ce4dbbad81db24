package io.streamtrain.flink.serving;

import io.streamtrain.avro.Prediction;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.client.ModelClient;
import io.streamtrain.client.ModelVersions;
import io.streamtrain.io.SnapshotAssembler;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The serve job's output records: a request's Prediction, or its RejectedSample with the reason. */
final class ServeRecords {
  private ServeRecords() {}

  /** The prediction of {@code r} by {@code v}: its first {@code k} outputs, event time, latency until now. */
  static Prediction prediction(ModelClient.Version v, RequestRecord r, double[] out, int k) {
    List<Double> outputs = new ArrayList<>(k);
    for (int i = 0; i < k; i++) {
      outputs.add(out[i]);
    }
    return Prediction.newBuilder()
        .setRequestId(r.requestId)
        .setModelId(v.modelId())
        .setModelVersion(v.version())
        .setModelStep(v.step())
        .setModelType(v.spec().type().specName)
        .setOutputs(outputs)
        .setEventTime(Instant.ofEpochMilli(r.example.eventTime()))
        .setLatencyMs(System.currentTimeMillis() - r.timestamp)
        .build();
  }

  /** {@code r} refused with {@code reason}: where it was read, its model id when decoded, its raw bytes. */
  static RejectedSample reject(RequestRecord r, String reason, String message) {
    return RejectedSample.newBuilder()
        .setSourceTopic(r.topic)
        .setSourcePartition(r.partition)
        .setSourceOffset(r.offset)
        .setSourceTimestamp(r.timestamp >= 0 ? Instant.ofEpochMilli(r.timestamp) : null)
        .setModelId(r.reason != null ? null : r.example.modelId())
        .setReason(reason)
        .setMessage(message)
        .setRaw(ByteBuffer.wrap(r.raw))
        .build();
  }

  /**
   * The version a single-record {@code whole} version holds, its parameters checked against their checksum again
   * and its spec parsed (reusing {@code held}'s when the configuration is the same), exactly as ModelClient builds
   * its versions; null when the checksum fails.
   */
  static ModelClient.Version verified(ModelSnapshot whole, ModelClient.Version held) {
    SnapshotAssembler a = new SnapshotAssembler(id -> true, null);
    a.add(whole);
    SnapshotAssembler.Assembled done = a.complete().get(whole.getModelId());
    return done == null ? null : ModelVersions.of(done, held);
  }

  static String noVersion(RequestRecord r) {
    return "model '" + r.example.modelId() + "' has no complete version on the model topic yet (request '"
        + r.requestId + "')";
  }
}
