package io.streamtrain.flink.parallel;

import io.streamtrain.core.parallel.ShardUpdate;
import io.streamtrain.core.parallel.ShardUpdates;
import io.streamtrain.flink.types.DataSerializer;
import io.streamtrain.flink.types.SerializerTypeInfo;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A shard update on its way to one keyed operator: {@code key} is a worker's ({@link #workerKey}) or a combiner's
 * ({@link #shardKey}). Only crosses network edges (never state), so its format may change between versions.
 */
public final class Routed {
  public final String key;
  public final ShardUpdate update;

  public Routed(String key, ShardUpdate update) {
    this.key = key;
    this.update = update;
  }

  /** Key of worker {@code w} of a model: the model id, a NUL, the worker index (model ids never hold NUL). */
  public static String workerKey(String modelId, int w) {
    return modelId + '\u0000' + w;
  }

  /** Key of a model's merge shard {@code s}: the model id, a SOH, the shard index. */
  public static String shardKey(String modelId, int s) {
    return modelId + '\u0001' + s;
  }

  /** The index after a worker or shard key's separator. */
  public static int indexOf(String key) {
    int i = Math.max(key.lastIndexOf('\u0000'), key.lastIndexOf('\u0001'));
    return Integer.parseInt(key.substring(i + 1));
  }

  public static final TypeInformation<Routed> TYPE = new SerializerTypeInfo<>(Routed.class, new Serializer());
  public static final TypeInformation<ShardUpdate> UPDATE =
      new SerializerTypeInfo<>(ShardUpdate.class, new UpdateSerializer());

  /** Flink serializer: the key, then the update in {@link ShardUpdates}' binary form. */
  public static final class Serializer extends DataSerializer<Routed> {
    private static final long serialVersionUID = 1L;

    @Override
    public Routed createInstance() {
      return null;
    }

    @Override
    public void serialize(Routed r, DataOutputView out) throws IOException {
      out.writeUTF(r.key);
      ShardUpdates.write(out, r.update);
    }

    @Override
    public Routed deserialize(DataInputView in) throws IOException {
      return new Routed(in.readUTF(), ShardUpdates.read(in));
    }

    @Override
    public TypeSerializerSnapshot<Routed> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  /** Serializer snapshot (version 1). */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<Routed> {
    public Snapshot() {
      super(Serializer::new);
    }
  }

  /** Flink serializer of a bare shard update. */
  public static final class UpdateSerializer extends DataSerializer<ShardUpdate> {
    private static final long serialVersionUID = 1L;

    @Override
    public ShardUpdate createInstance() {
      return null;
    }

    @Override
    public void serialize(ShardUpdate u, DataOutputView out) throws IOException {
      ShardUpdates.write(out, u);
    }

    @Override
    public ShardUpdate deserialize(DataInputView in) throws IOException {
      return ShardUpdates.read(in);
    }

    @Override
    public TypeSerializerSnapshot<ShardUpdate> snapshotConfiguration() {
      return new UpdateSnapshot();
    }
  }

  /** Serializer snapshot (version 1). */
  public static final class UpdateSnapshot extends SimpleTypeSerializerSnapshot<ShardUpdate> {
    public UpdateSnapshot() {
      super(UpdateSerializer::new);
    }
  }
}
