package io.streamtrain.core.parallel;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** The binary form of a {@link ShardUpdate} (state and the wire between operators). */
public final class ShardUpdates {
  private ShardUpdates() {}

  public static void write(DataOutput out, ShardUpdate u) throws IOException {
    out.writeUTF(u.modelId());
    out.writeInt(u.worker());
    out.writeLong(u.round());
    out.writeInt(u.shard());
    out.writeInt(u.shards());
    out.writeBoolean(u.last());
    Doubles.write(out, u.values());
    out.writeBoolean(u.stats() != null);
    if (u.stats() != null) {
      Doubles.writeStats(out, u.stats());
    }
  }

  public static ShardUpdate read(DataInput in) throws IOException {
    String model = in.readUTF();
    int worker = in.readInt();
    long round = in.readLong();
    int shard = in.readInt();
    int shards = in.readInt();
    boolean last = in.readBoolean();
    double[] v = new double[in.readInt()];
    io.streamtrain.core.optim.StateIo.readValues(in, v);
    RoundStats stats = in.readBoolean() ? Doubles.readStats(in) : null;
    return new ShardUpdate(model, worker, round, shard, shards, last, v, stats);
  }
}
