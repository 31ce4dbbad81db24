package io.streamtrain.flink.serving;

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
 * A scoring request on its way through the serve job: its id and features as the core's {@link Example} (model id,
 * event time: the request's, or its Kafka timestamp when it had none), where it was read, its raw bytes (for the
 * rejected topic), and for a record that was not a ScoreRequest the reason ({@code reason} non-null, model id "").
 */
public final class RequestRecord {
  public String requestId = "";
  public final Example example = new Example();
  public long timestamp;
  public String topic = "";
  public int partition = -1;
  public long offset = -1;
  public byte[] raw = new byte[0];
  /** Null for a decoded request; else the rejection reason code and its detail. */
  public String reason;
  public String message = "";

  public static final TypeInformation<RequestRecord> TYPE =
      new SerializerTypeInfo<>(RequestRecord.class, new Serializer());

  /** All fields, in stream and in keyed state (requests waiting for a model's first version). */
  public static final class Serializer extends DataSerializer<RequestRecord> {
    private static final long serialVersionUID = 1L;
    private static final int VERSION = 1;

    @Override
    public RequestRecord createInstance() {
      return new RequestRecord();
    }

    @Override
    public void serialize(RequestRecord r, DataOutputView out) throws IOException {
      out.writeByte(VERSION);
      out.writeUTF(r.requestId);
      ExampleCodec.INSTANCE.write(r.example, out);
      out.writeLong(r.timestamp);
      out.writeUTF(r.topic);
      out.writeInt(r.partition);
      out.writeLong(r.offset);
      out.writeInt(r.raw.length);
      out.write(r.raw);
      out.writeBoolean(r.reason != null);
      if (r.reason != null) {
        out.writeUTF(r.reason);
      }
      out.writeUTF(r.message);
    }

    @Override
    public RequestRecord deserialize(DataInputView in) throws IOException {
      RequestRecord r = new RequestRecord();
      int v = in.readByte();
      if (v != VERSION) {
        throw new IOException("RequestRecord format " + v + " is not known (this build reads " + VERSION + ")");
      }
      r.requestId = in.readUTF();
      ExampleCodec.INSTANCE.read(in, r.example);
      r.timestamp = in.readLong();
      r.topic = in.readUTF();
      r.partition = in.readInt();
      r.offset = in.readLong();
      r.raw = new byte[in.readInt()];
      in.readFully(r.raw);
      r.reason = in.readBoolean() ? in.readUTF() : null;
      r.message = in.readUTF();
      return r;
    }

    @Override
    public TypeSerializerSnapshot<RequestRecord> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  /** Serializer snapshot (version 1). */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<RequestRecord> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
