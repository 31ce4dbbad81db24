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
 * An event on its way through the delayed-label join ({@link LabelJoinStream}): a features event (its mapped
 * {@link Example}, unlabelled until joined), a label event (only {@code example}'s event time and label), or a
 * record that did not map ({@code rejected}, split off before the join, chained to its source). {@code key} is
 * the join key; {@code partition} and {@code offset} locate the record in its topic and order equal event times.
 */
public final class JoinRecord {
  public static final byte FEATURE = 0;
  public static final byte LABEL = 1;
  public static final byte REJECTED = 2;

  public byte kind;
  public String key = "";
  public final Example example = new Example();
  public int partition;
  public long offset;
  /** For kind REJECTED: the record as the rejected output takes it. */
  public SampleRecord rejected;

  /** The order of records of equal event time: partition, then offset (offsets below 2^40). */
  public long seq() {
    return ((long) partition << 40) | offset;
  }

  public static final TypeInformation<JoinRecord> TYPE = new SerializerTypeInfo<>(JoinRecord.class, new Serializer());

  /** Kind, key, example, partition, offset (and a rejected record's SampleRecord form). Never in state. */
  public static final class Serializer extends DataSerializer<JoinRecord> {
    private static final long serialVersionUID = 1L;
    private static final SampleRecord.Serializer REJECTS = new SampleRecord.Serializer();

    @Override
    public JoinRecord createInstance() {
      return new JoinRecord();
    }

    @Override
    public void serialize(JoinRecord r, DataOutputView out) throws IOException {
      out.writeByte(r.kind);
      if (r.kind == REJECTED) {
        REJECTS.serialize(r.rejected, out);
        return;
      }
      out.writeUTF(r.key);
      ExampleCodec.INSTANCE.write(r.example, out);
      out.writeInt(r.partition);
      out.writeLong(r.offset);
    }

    @Override
    public JoinRecord deserialize(DataInputView in) throws IOException {
      return read(new JoinRecord(), in);
    }

    /**
     * Reads into {@code reuse} (Flink passes one with object reuse on): the join functions copy what they keep
     * into their state, so one instance per input serves every record.
     */
    @Override
    public JoinRecord deserialize(JoinRecord reuse, DataInputView in) throws IOException {
      return read(reuse != null ? reuse : new JoinRecord(), in);
    }

    private static JoinRecord read(JoinRecord r, DataInputView in) throws IOException {
      r.kind = in.readByte();
      if (r.kind == REJECTED) {
        r.rejected = REJECTS.deserialize(in);
        return r;
      }
      r.key = in.readUTF();
      ExampleCodec.INSTANCE.read(in, r.example);
      r.partition = in.readInt();
      r.offset = in.readLong();
      return r;
    }

    @Override
    public TypeSerializerSnapshot<JoinRecord> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  /** Serializer snapshot (version 1). */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<JoinRecord> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
