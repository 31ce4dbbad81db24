package io.streamtrain.flink.training;

import io.streamtrain.core.data.Example;
import io.streamtrain.core.data.LabelJoin;
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
 * State serializer of a {@link LabelJoin.Pending} (the delayed-label join's pending features and labels of one
 * key, and the decision-order buffers): format byte 1, the features (sequence, example), then the labels (time,
 * sequence, value, used). Kept in checkpoints and savepoints, so the format is versioned.
 */
public final class PendingSerializer extends DataSerializer<LabelJoin.Pending> {
  private static final long serialVersionUID = 1L;
  private static final int FORMAT = 1;
  public static final TypeInformation<LabelJoin.Pending> TYPE =
      new SerializerTypeInfo<>(LabelJoin.Pending.class, new PendingSerializer());

  @Override
  public LabelJoin.Pending createInstance() {
    return new LabelJoin.Pending();
  }

  @Override
  public void serialize(LabelJoin.Pending p, DataOutputView out) throws IOException {
    out.writeByte(FORMAT);
    out.writeInt(p.featureCount());
    for (int i = 0; i < p.featureCount(); i++) {
      out.writeLong(p.featureSeq(i));
      ExampleCodec.INSTANCE.write(p.feature(i), out);
    }
    out.writeInt(p.labelCount());
    for (int j = 0; j < p.labelCount(); j++) {
      out.writeLong(p.labelTime(j));
      out.writeLong(p.labelSeq(j));
      out.writeDouble(p.labelValue(j));
      out.writeBoolean(p.labelUsed(j));
    }
  }

  @Override
  public LabelJoin.Pending deserialize(DataInputView in) throws IOException {
    int format = in.readByte();
    if (format != FORMAT) {
      throw new IOException("pending-labels state of format " + format + "; this version reads format " + FORMAT);
    }
    LabelJoin.Pending p = new LabelJoin.Pending();
    int n = in.readInt();
    Example e = new Example();
    for (int i = 0; i < n; i++) {
      long seq = in.readLong();
      ExampleCodec.INSTANCE.read(in, e);
      p.insertFeature(e, seq);
    }
    int m = in.readInt();
    for (int j = 0; j < m; j++) {
      p.insertLabel(in.readLong(), in.readLong(), in.readDouble(), in.readBoolean());
    }
    return p;
  }

  @Override
  public TypeSerializerSnapshot<LabelJoin.Pending> snapshotConfiguration() {
    return new Snapshot();
  }

  /** Serializer snapshot (version 1). */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<LabelJoin.Pending> {
    public Snapshot() {
      super(PendingSerializer::new);
    }
  }
}
