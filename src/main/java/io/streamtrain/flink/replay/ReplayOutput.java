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
 * Either an evaluation point or a part of a final model: both outputs of the replay travel back to the client
 * through one collect sink, because a second collect stream may lose its tail when a local job ends before it is
 * drained. A final model travels in parts of at most {@value #PART_PARAMETERS} parameters ({@link #split}): the
 * collect sink refuses a result larger than {@code collect-sink.batch-size.max} (2 MB by default), which a model
 * of 2^18 parameters already is; {@link FinalAssembler} puts the parts back together on the client.
 */
public final class ReplayOutput {
  /** Parameters a part carries: 512 KiB, a quarter of the collect sink's default batch limit. */
  public static final int PART_PARAMETERS = 64 * 1024;

  public EvaluationResult result;
  /** A final model whose params are the slice from {@link #offset} of {@link #total} parameters. */
  public FinalModel finalModel;
  public int offset;
  public int total;

  public static ReplayOutput of(EvaluationResult r) {
    ReplayOutput o = new ReplayOutput();
    o.result = r;
    return o;
  }

  /** A whole final model as one output (its single part). */
  public static ReplayOutput of(FinalModel m) {
    return part(m, 0, m.params.length);
  }

  static ReplayOutput part(FinalModel m, int offset, int total) {
    ReplayOutput o = new ReplayOutput();
    o.finalModel = m;
    o.offset = offset;
    o.total = total;
    return o;
  }

  /** The final model as parts of at most {@link #PART_PARAMETERS} parameters (one part when it has none). */
  public static void split(FinalModel m, org.apache.flink.util.Collector<ReplayOutput> out) {
    int total = m.params.length;
    int from = 0;
    do {
      int n = Math.min(PART_PARAMETERS, total - from);
      FinalModel p = new FinalModel();
      p.config = m.config;
      p.modelId = m.modelId;
      p.steps = m.steps;
      p.samplesTrained = m.samplesTrained;
      p.rejected = m.rejected;
      p.params = java.util.Arrays.copyOfRange(m.params, from, from + n);
      out.collect(part(p, from, total));
      from += n;
    } while (from < total);
  }

  /** Collects final-model parts on the client and hands out each model once all its parameters arrived. */
  public static final class FinalAssembler {
    private final java.util.Map<String, FinalModel> open = new java.util.HashMap<>();
    private final java.util.Map<String, Integer> filled = new java.util.HashMap<>();

    /** The complete model once {@code o}'s part was its last missing one, else null. */
    public FinalModel add(ReplayOutput o) {
      FinalModel p = o.finalModel;
      String k = p.config + "\u0000" + p.modelId;
      FinalModel m = open.get(k);
      if (m == null) {
        m = new FinalModel();
        m.config = p.config;
        m.modelId = p.modelId;
        m.steps = p.steps;
        m.samplesTrained = p.samplesTrained;
        m.rejected = p.rejected;
        m.params = new double[o.total];
        open.put(k, m);
      }
      System.arraycopy(p.params, 0, m.params, o.offset, p.params.length);
      int have = filled.merge(k, p.params.length, Integer::sum);
      if (have < o.total) {
        return null;
      }
      open.remove(k);
      filled.remove(k);
      return m;
    }

    /** Models some of whose parts never arrived. */
    public java.util.Set<String> incomplete() {
      return new java.util.TreeSet<>(open.keySet());
    }
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
        out.writeInt(o.offset);
        out.writeInt(o.total);
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
        int offset = in.readInt();
        int total = in.readInt();
        return part(new FinalModel.Serializer().deserialize(in), offset, total);
      }
      throw new IOException("unknown replay output tag " + tag);
    }

    @Override
    public TypeSerializerSnapshot<ReplayOutput> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  /** Serializer snapshot (version 1; replay output never lives in a checkpoint, so the format may change). */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<ReplayOutput> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
