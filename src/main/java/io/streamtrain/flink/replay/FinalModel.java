package io.streamtrain.flink.replay;

import io.streamtrain.flink.types.DataSerializer;
import io.streamtrain.flink.types.SerializerTypeInfo;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The end state of one replayed (configuration, model id): its parameters, optimizer steps and samples trained,
 * so a replay can be compared with the training job it rehearses (and the report can say how far each
 * configuration got).
 */
public final class FinalModel {
  public String config = "";
  public String modelId = "";
  public long steps;
  public long samplesTrained;
  public long rejected;
  public double[] params = new double[0];

  public static final TypeInformation<FinalModel> TYPE = new SerializerTypeInfo<>(FinalModel.class, new Serializer());

  /** Serializer (version 1 via its snapshot). */
  public static final class Serializer extends DataSerializer<FinalModel> {
    private static final long serialVersionUID = 1L;

    @Override
    public FinalModel createInstance() {
      return new FinalModel();
    }

    @Override
    public void serialize(FinalModel m, DataOutputView out) throws IOException {
      out.writeUTF(m.config);
      out.writeUTF(m.modelId);
      out.writeLong(m.steps);
      out.writeLong(m.samplesTrained);
      out.writeLong(m.rejected);
      out.writeInt(m.params.length);
      for (double d : m.params) {
        out.writeDouble(d);
      }
    }

    @Override
    public FinalModel deserialize(DataInputView in) throws IOException {
      FinalModel m = new FinalModel();
      m.config = in.readUTF();
      m.modelId = in.readUTF();
      m.steps = in.readLong();
      m.samplesTrained = in.readLong();
      m.rejected = in.readLong();
      m.params = new double[in.readInt()];
      for (int i = 0; i < m.params.length; i++) {
        m.params[i] = in.readDouble();
      }
      return m;
    }

    @Override
    public TypeSerializerSnapshot<FinalModel> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  /** Serializer snapshot (version 1). */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<FinalModel> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
