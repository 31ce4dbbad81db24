package io.streamtrain.flink.training;

import io.streamtrain.core.data.ShuffleBuffer;
import io.streamtrain.core.data.Example;
import io.streamtrain.flink.types.DataSerializer;
import io.streamtrain.core.data.ExampleCodec;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Keyed state of the mini-batcher for one model: the shuffle buffer (samples and generator), the latest event
 * time seen, the pending idle-gap timer and the rejected samples not yet reported to the trainer.
 */
public final class BatcherState {
  private static final int VERSION = 2;
  public final ShuffleBuffer<Example> buffer;
  public long lastEventTime = Long.MIN_VALUE;
  /** Event time of the registered flush timer, or Long.MIN_VALUE when none is registered. */
  public long timer = Long.MIN_VALUE;
  public long pendingRejected;
  public int configIndex;
  /**
   * Samples added to the buffer so far, saturating (drives a growing buffer's fill level); a state written by version
   * 1 reads as fully grown, so a restored job batches exactly as before.
   */
  public long added;

  public BatcherState(int capacity, long seed) {
    buffer = new ShuffleBuffer<>(capacity, seed, ExampleCodec.INSTANCE);
  }

  /** Flink serializer of the batcher state, versioned. */
  public static final class Serializer extends DataSerializer<BatcherState> {
    private static final long serialVersionUID = 1L;

    @Override
    public BatcherState createInstance() {
      return new BatcherState(1, 0);
    }

    @Override
    public void serialize(BatcherState s, DataOutputView out) throws IOException {
      out.writeByte(VERSION);
      out.writeInt(s.buffer.capacity());
      s.buffer.write(out);
      out.writeLong(s.lastEventTime);
      out.writeLong(s.timer);
      out.writeLong(s.pendingRejected);
      out.writeInt(s.configIndex);
      out.writeLong(s.added);
    }

    @Override
    public BatcherState deserialize(DataInputView in) throws IOException {
      int v = in.readByte();
      if (v != 1 && v != VERSION) {
        throw new IOException("unsupported batcher state version " + v + "; this build reads 1 to " + VERSION);
      }
      BatcherState s = new BatcherState(in.readInt(), 0);
      s.buffer.read(in);
      s.lastEventTime = in.readLong();
      s.timer = in.readLong();
      s.pendingRejected = in.readLong();
      s.configIndex = in.readInt();
      s.added = v >= 2 ? in.readLong() : Long.MAX_VALUE;
      return s;
    }

    @Override
    public TypeSerializerSnapshot<BatcherState> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  /** Serializer snapshot (version 1). */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<BatcherState> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
