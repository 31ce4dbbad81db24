package io.streamtrain.flink.replay;

import io.streamtrain.avro.EvaluationResult;
import io.streamtrain.flink.types.DataSerializer;
import io.streamtrain.flink.types.SerializerTypeInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Either an evaluation point or a final model: both outputs of the replay travel back to the client through one
 * collect sink, because a second collect stream may lose its tail when a local job ends before it is drained.
 */
public final class ReplayOutput {
  public EvaluationResult result;
  public FinalModel finalModel;

  public static ReplayOutput of(EvaluationResult r) {
    ReplayOutput o = new ReplayOutput();
    o.result = r;
    return o;
  }

  public static ReplayOutput of(FinalModel m) {
    ReplayOutput o = new ReplayOutput();
    o.finalModel = m;
    return o;
  }

  public static final TypeInformation<ReplayOutput> TYPE =
      new SerializerTypeInfo<>(ReplayOutput.class, new Serializer());

  /** Tag byte, then the Avro binary of the result or the final model's own encoding. */
  public static final class Serializer extends DataSerializer<ReplayOutput> {
    private static final long serialVersionUID = 1L;
    private transient SpecificDatumWriter<EvaluationResult> writer;
    private transient SpecificDatumReader<EvaluationResult> reader;

    @Override
    public ReplayOutput createInstance() {
      return new ReplayOutput();
    }

    @Override
    public void serialize(ReplayOutput o, DataOutputView out) throws IOException {
      if (o.result != null) {
        if (writer == null) {
          writer = new SpecificDatumWriter<>(EvaluationResult.class);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(bytes, null);
        writer.write(o.result, enc);
        enc.flush();
        out.writeByte(1);
        out.writeInt(bytes.size());
        out.write(bytes.toByteArray());
      } else {
        out.writeByte(2);
        new FinalModel.Serializer().serialize(o.finalModel, out);
      }
    }

    @Override
    public ReplayOutput deserialize(DataInputView in) throws IOException {
      int tag = in.readByte();
      if (tag == 1) {
        if (reader == null) {
          reader = new SpecificDatumReader<>(EvaluationResult.class);
        }
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        BinaryDecoder dec = DecoderFactory.get().binaryDecoder(new ByteArrayInputStream(b), null);
        return of(reader.read(null, dec));
      }
      if (tag == 2) {
        return of(new FinalModel.Serializer().deserialize(in));
      }
      throw new IOException("unknown replay output tag " + tag);
    }

    @Override
    public TypeSerializerSnapshot<ReplayOutput> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  /** Serializer snapshot (version 1). */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<ReplayOutput> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
