package io.streamtrain.flink.training;

import io.streamtrain.core.data.Example;
import io.streamtrain.flink.types.DataSerializer;
import io.streamtrain.core.data.ExampleCodec;
import io.streamtrain.flink.types.SerializerTypeInfo;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A sample on its way from the Kafka source to the trainer: the decoded {@link Example}, where it came from
 * (topic, partition, offset, timestamp) and, if it cannot be trained on, why ({@code reason} is null for a good
 * sample; the coordinates travel between operators only with a rejected sample, the only one that needs them).
 * Undecodable records carry their raw bytes; rejected samples that decoded are re-encoded when they are
 * written to the rejected topic.
 *
 * <p>A record may also be a lag marker ({@link #lagMarker}): no sample, only a model id to route it by and the
 * consumer lag one source reader measured ({@link SourceLag}). The batcher keeps the latest per reader and hands
 * the sum to the trainer with the model's next batch; markers never enter the shuffle buffer or any state.
 *
 * <p>Or a chunk ({@link SampleChunker}): {@code chunkCount} good samples of one model, in arrival order, packed
 * with {@link ExampleCodec#writeBody} into {@code chunk}; {@code example} then only names the model. Good samples
 * cross the keyBy in chunks, so the receiving side deserializes one object per chunk instead of one per sample
 * and the batcher unpacks the samples straight into its reused objects.
 */
public final class SampleRecord {
  public final Example example = new Example();
  public String topic = "";
  public int partition;
  public long offset;
  public long timestamp;
  /** Which of the job spec's training configurations this model id uses (-1: not accepted). */
  public int configIndex = -1;
  /** Null when the sample is good; otherwise a stable reason code (a core RejectReason name or a job code). */
  public String reason;
  public String message;
  /** The record's bytes, kept only for records that did not decode. */
  public byte[] raw;
  /**
   * The Kafka record's bytes when its named fields were hashed while decoding: only between the source and the
   * chained validation (never serialized), so a sample rejected there can be decoded again with its names.
   */
  public byte[] source;
  /** For a lag marker: the index of the validate subtask (source reader) that measured it; -1 for a sample. */
  public int lagSource = -1;
  /** For a lag marker: records that reader is behind the end of the samples topic. */
  public long lag;
  /** For a chunk: the packed samples (the first {@code chunkLength} bytes); null for anything else. */
  public byte[] chunk;
  public int chunkLength;
  public int chunkCount;
  /**
   * Data-parallel training only: a good sample carries its partition across the keyBy (the worker's rounds count
   * samples per partition), and a touch (no sample) creates a model's worker so it reports the end of its input.
   */
  public boolean carryPartition;
  public boolean touch;

  public boolean isTouch() {
    return touch;
  }

  public boolean isRejected() {
    return reason != null;
  }

  public boolean isChunk() {
    return chunk != null;
  }

  public boolean isLagMarker() {
    return lagSource >= 0;
  }

  /** A lag marker for {@code modelId} (keyed like its samples) carrying reader {@code source}'s lag. */
  public static SampleRecord lagMarker(String modelId, int configIndex, int source, long lag) {
    SampleRecord r = new SampleRecord();
    r.example.setModelId(modelId);
    r.configIndex = configIndex;
    r.lagSource = source;
    r.lag = lag;
    return r;
  }

  public static final TypeInformation<SampleRecord> TYPE =
      new SerializerTypeInfo<>(SampleRecord.class, new Serializer());

  /**
   * Flink serializer: the example, the configuration index, then a kind byte (0 a good sample, 1 a rejected one
   * followed by its coordinates and reason, 2 a lag marker followed by its reader, lag and worker, 3 a chunk followed by
   * its sample count, byte length and bytes; 4 a good sample and its partition, 5 a touch and its partition, 6 a chunk and its partition). Records of this type only cross network edges, never state, so the
   * format may change between versions.
   */
  public static final class Serializer extends DataSerializer<SampleRecord> {
    private static final long serialVersionUID = 1L;
    private static final int GOOD = 0;
    private static final int REJECTED = 1;
    private static final int MARKER = 2;
    private static final int CHUNK = 3;
    private static final int GOOD_WITH_PARTITION = 4;
    private static final int TOUCH = 5;
    private static final int CHUNK_WITH_PARTITION = 6;

    @Override
    public SampleRecord createInstance() {
      return new SampleRecord();
    }

    @Override
    public void serialize(SampleRecord r, DataOutputView out) throws IOException {
      ExampleCodec.INSTANCE.write(r.example, out);
      out.writeInt(r.configIndex);
      if (r.chunk != null) {
        out.writeByte(r.carryPartition ? CHUNK_WITH_PARTITION : CHUNK);
        if (r.carryPartition) {
          out.writeInt(r.partition);
        }
        out.writeInt(r.chunkCount);
        out.writeInt(r.chunkLength);
        out.write(r.chunk, 0, r.chunkLength);
        return;
      }
      if (r.reason == null && r.lagSource < 0 && (r.carryPartition || r.touch)) {
        out.writeByte(r.touch ? TOUCH : GOOD_WITH_PARTITION);
        out.writeInt(r.partition);
        return;
      }
      out.writeByte(r.reason != null ? REJECTED : r.lagSource >= 0 ? MARKER : GOOD);
      if (r.reason == null && r.lagSource >= 0) {
        out.writeInt(r.lagSource);
        out.writeLong(r.lag);
        out.writeInt(r.partition); // a data-parallel job's marker: the worker its figure is for
        return;
      }
      // Source coordinates only matter for a rejected sample (they go into RejectedSample): a good one does not
      // carry them across the keyBy, sparing a string and 20 bytes per sample on the hot path.
      if (r.reason != null) {
        out.writeUTF(r.topic);
        out.writeInt(r.partition);
        out.writeLong(r.offset);
        out.writeLong(r.timestamp);
        out.writeUTF(r.reason);
        out.writeUTF(r.message == null ? "" : truncate(r.message));
        out.writeInt(r.raw == null ? -1 : r.raw.length);
        if (r.raw != null) {
          out.write(r.raw);
        }
      }
    }

    @Override
    public SampleRecord deserialize(DataInputView in) throws IOException {
      SampleRecord r = new SampleRecord();
      ExampleCodec.INSTANCE.read(in, r.example);
      r.configIndex = in.readInt();
      int kind = in.readByte();
      if (kind == GOOD_WITH_PARTITION || kind == TOUCH) {
        r.partition = in.readInt();
        r.carryPartition = true;
        r.touch = kind == TOUCH;
      } else if (kind == CHUNK || kind == CHUNK_WITH_PARTITION) {
        if (kind == CHUNK_WITH_PARTITION) {
          r.partition = in.readInt();
          r.carryPartition = true;
        }
        r.chunkCount = in.readInt();
        r.chunkLength = in.readInt();
        r.chunk = new byte[r.chunkLength];
        in.readFully(r.chunk);
      } else if (kind == MARKER) {
        r.lagSource = in.readInt();
        r.lag = in.readLong();
        r.partition = in.readInt();
      } else if (kind == REJECTED) {
        r.topic = in.readUTF();
        r.partition = in.readInt();
        r.offset = in.readLong();
        r.timestamp = in.readLong();
        r.reason = in.readUTF();
        r.message = in.readUTF();
        int n = in.readInt();
        if (n >= 0) {
          r.raw = new byte[n];
          in.readFully(r.raw);
        }
      }
      return r;
    }

    @Override
    public TypeSerializerSnapshot<SampleRecord> snapshotConfiguration() {
      return new Snapshot();
    }

    private static String truncate(String s) {
      return s.length() > 2000 ? s.substring(0, 2000) : s;
    }
  }

  /** Serializer snapshot (version 1). */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<SampleRecord> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
