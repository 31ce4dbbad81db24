package io.streamtrain.core.parallel;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;

/**
 * Merged rounds being assembled from their shards, by round: a worker keeps the ones it has not applied yet and
 * the publisher the ones not yet complete. Shards may arrive in any order; a shard seen twice is ignored.
 */
final class MergedRounds {
  /** One round's merged update as far as it has arrived. */
  static final class Assembly {
    final double[] values;
    final BitSet seen;
    RoundStats stats;
    boolean last;

    Assembly(int size) {
      values = new double[size];
      seen = new BitSet();
    }
  }

  private final int size;
  private final int shardParameters;
  private final int shards;
  private final TreeMap<Long, Assembly> rounds = new TreeMap<>();

  MergedRounds(int size, int shardParameters) {
    this.size = size;
    this.shardParameters = shardParameters;
    this.shards = Math.max(1, (int) ((size + (long) shardParameters - 1) / shardParameters));
  }

  int shards() {
    return shards;
  }

  /** Adds one merged shard (rounds before {@code from} are ignored: already applied). */
  void add(ShardUpdate u, long from) {
    if (u.round() < from) {
      return;
    }
    if (u.shards() != shards) {
      throw new IllegalStateException("merged round " + u.round() + " of '" + u.modelId() + "' has " + u.shards()
          + " shards, this model has " + shards + " (the model or shard_parameters changed)");
    }
    Assembly a = rounds.computeIfAbsent(u.round(), r -> new Assembly(size));
    if (a.seen.get(u.shard())) {
      return;
    }
    int lo = u.shard() * shardParameters;
    if (u.values().length != Math.min(shardParameters, size - lo)) {
      throw new IllegalStateException("merged shard " + u.shard() + " of round " + u.round() + " has "
          + u.values().length + " values, expected " + Math.min(shardParameters, size - lo));
    }
    System.arraycopy(u.values(), 0, a.values, lo, u.values().length);
    a.seen.set(u.shard());
    if (u.stats() != null) {
      a.stats = u.stats();
    }
    a.last |= u.last();
  }

  /** The round when all its shards have arrived, else null. */
  Assembly complete(long round) {
    Assembly a = rounds.get(round);
    return a != null && a.seen.cardinality() == shards ? a : null;
  }

  void remove(long round) {
    rounds.remove(round);
  }

  void write(DataOutput out) throws IOException {
    out.writeInt(rounds.size());
    for (Map.Entry<Long, Assembly> e : rounds.entrySet()) {
      Assembly a = e.getValue();
      out.writeLong(e.getKey());
      Doubles.write(out, a.values);
      byte[] bits = a.seen.toByteArray();
      out.writeInt(bits.length);
      out.write(bits);
      out.writeBoolean(a.last);
      out.writeBoolean(a.stats != null);
      if (a.stats != null) {
        Doubles.writeStats(out, a.stats);
      }
    }
  }

  void read(DataInput in) throws IOException {
    rounds.clear();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      long r = in.readLong();
      Assembly a = new Assembly(size);
      Doubles.read(in, a.values);
      byte[] bits = new byte[in.readInt()];
      in.readFully(bits);
      a.seen.or(BitSet.valueOf(bits));
      a.last = in.readBoolean();
      if (in.readBoolean()) {
        a.stats = Doubles.readStats(in);
      }
      rounds.put(r, a);
    }
  }
}
