package io.streamtrain.flink.training;

import io.streamtrain.core.data.Example;
import io.streamtrain.flink.types.DataSerializer;
import io.streamtrain.core.data.ExampleCodec;
import io.streamtrain.flink.types.SerializerTypeInfo;
import java.io.IOException;
import java.util.AbstractList;
import java.util.RandomAccess;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A mini-batch of one model on its way from the batcher to the trainer, plus the count of samples of that model
 * rejected since the previous batch (so the trainer's metrics count them). With object reuse the examples are
 * the batcher's buffer slots, valid until the batcher's next element; the trainer consumes the batch at once.
 * It also carries the consumer lag the batcher last heard for the model (-1 when unknown), for the metrics only.
 */
public final class MiniBatch extends AbstractList<Example> implements RandomAccess {
  public String modelId = "";
  private Example[] examples;
  private int size;
  public long rejected;
  public int configIndex;
  /** Records the source readers of this model are behind the end of the samples topic; -1 when unknown. */
  public long consumerLag = -1;

  public MiniBatch(int capacity) {
    examples = new Example[Math.max(1, capacity)];
  }

  public void reset(String modelId, int configIndex) {
    this.modelId = modelId;
    this.configIndex = configIndex;
    size = 0;
    rejected = 0;
    consumerLag = -1;
  }

  public void append(Example e) {
    if (size == examples.length) {
      examples = java.util.Arrays.copyOf(examples, size * 2);
    }
    examples[size++] = e;
  }

  @Override
  public Example get(int i) {
    if (i >= size) {
      throw new IndexOutOfBoundsException(i);
    }
    return examples[i];
  }

  @Override
  public int size() {
    return size;
  }

  public static final TypeInformation<MiniBatch> TYPE = new SerializerTypeInfo<>(MiniBatch.class, new Serializer());

  /** Deep serializer (used across a network edge or when object reuse is off; never for state). */
  public static final class Serializer extends DataSerializer<MiniBatch> {
    private static final long serialVersionUID = 1L;

    @Override
    public MiniBatch createInstance() {
      return new MiniBatch(1);
    }

    @Override
    public void serialize(MiniBatch b, DataOutputView out) throws IOException {
      out.writeUTF(b.modelId);
      out.writeLong(b.rejected);
      out.writeInt(b.configIndex);
      out.writeLong(b.consumerLag);
      out.writeInt(b.size);
      for (int i = 0; i < b.size; i++) {
        ExampleCodec.INSTANCE.write(b.examples[i], out);
      }
    }

    @Override
    public MiniBatch deserialize(DataInputView in) throws IOException {
      String id = in.readUTF();
      long rejected = in.readLong();
      int cfg = in.readInt();
      long lag = in.readLong();
      int n = in.readInt();
      MiniBatch b = new MiniBatch(n);
      b.reset(id, cfg);
      b.rejected = rejected;
      b.consumerLag = lag;
      for (int i = 0; i < n; i++) {
        Example e = new Example();
        ExampleCodec.INSTANCE.read(in, e);
        b.append(e);
      }
      return b;
    }

    @Override
    public TypeSerializerSnapshot<MiniBatch> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  /** Serializer snapshot (version 1). */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<MiniBatch> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
