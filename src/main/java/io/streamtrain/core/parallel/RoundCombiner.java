package io.streamtrain.core.parallel;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Combines one shard of one model's updates, round by round: round {@code r} is merged once every worker has sent
 * its round {@code r} or has ended before it, in round order, summing the workers' updates in worker order (never
 * arrival order, so the result is the same on every run), divided for {@link ParallelConfig.Merge#AVERAGE} by the
 * number of workers that trained in the round, for {@link ParallelConfig.Merge#SUM_OVER_SQRT_N} by its square root
 * and for {@link ParallelConfig.Merge#TOUCHED_AVERAGE}, parameter by parameter, by the number of those whose update
 * of it is not zero (counted when the round completes, from the updates the state holds anyway, so the state format
 * is unchanged). The merged round is last when every worker has ended by it.
 */
public final class RoundCombiner {
  private static final int FORMAT = 1;

  private final ParallelConfig par;
  private final String modelId;
  private final int shard;
  private final long[] endedAt;
  private final TreeMap<Long, ShardUpdate[]> rounds = new TreeMap<>();
  private long next;
  private boolean done;

  public RoundCombiner(ParallelConfig par, String modelId, int shard) {
    this.par = par;
    this.modelId = modelId;
    this.shard = shard;
    this.endedAt = new long[par.workers()];
    Arrays.fill(endedAt, Long.MAX_VALUE);
  }

  /** The next round this shard will merge. */
  public long nextRound() {
    return next;
  }

  public boolean done() {
    return done;
  }

  /** One worker's shard update; emits every round it completes, in order. */
  public void accept(ShardUpdate u, Consumer<ShardUpdate> out) {
    if (u.worker() < 0 || u.worker() >= par.workers() || u.shard() != shard) {
      throw new IllegalArgumentException("update of worker " + u.worker() + " shard " + u.shard()
          + " sent to shard " + shard + " of '" + modelId + "' with " + par.workers() + " workers");
    }
    if (u.round() < next || done) {
      return; // already merged (cannot happen with exactly-once inputs; kept idempotent)
    }
    rounds.computeIfAbsent(u.round(), r -> new ShardUpdate[par.workers()])[u.worker()] = u;
    if (u.last()) {
      endedAt[u.worker()] = u.round();
    }
    while (!done && complete(next)) {
      out.accept(combine(next));
      rounds.remove(next);
      next++;
    }
  }

  private boolean complete(long r) {
    ShardUpdate[] got = rounds.get(r);
    boolean any = false;
    for (int w = 0; w < endedAt.length; w++) {
      boolean has = got != null && got[w] != null;
      if (!has && endedAt[w] >= r) {
        return false;
      }
      any |= has;
    }
    if (!any) {
      done = true; // every worker ended before r
    }
    return any;
  }

  private ShardUpdate combine(long r) {
    ShardUpdate[] got = rounds.get(r);
    double[] sum = null;
    int[] moved = null; // TOUCHED_AVERAGE: per parameter, how many workers moved it
    RoundStats stats = shard == 0 ? RoundStats.empty(par.workers()) : null;
    int trained = 0;
    int shards = 0;
    boolean last = true;
    for (int w = 0; w < got.length; w++) {
      ShardUpdate u = got[w];
      if (u == null) {
        continue;
      }
      shards = u.shards();
      if (sum == null) {
        sum = new double[u.values().length];
        moved = par.merge() == ParallelConfig.Merge.TOUCHED_AVERAGE ? new int[sum.length] : null;
      }
      if (stats != null && u.stats() != null) {
        stats = stats.plus(u.stats());
      }
      if (!u.last()) {
        last = false;
      }
      if (u.stats() != null && u.stats().samples() == 0) {
        continue; // a worker that trained nothing this round has nothing to average in
      }
      trained++;
      double[] v = u.values();
      if (moved != null) {
        for (int i = 0; i < v.length; i++) {
          if (v[i] != 0.0) {
            moved[i]++;
          }
        }
      }
      for (int i = 0; i < v.length; i++) {
        sum[i] += v[i];
      }
    }
    for (long e : endedAt) {
      if (e > r) {
        last = false;
      }
    }
    if (par.merge() == ParallelConfig.Merge.AVERAGE && trained > 1) {
      for (int i = 0; i < sum.length; i++) {
        sum[i] /= trained;
      }
    } else if (par.merge() == ParallelConfig.Merge.SUM_OVER_SQRT_N && trained > 1) {
      double root = Math.sqrt(trained);
      for (int i = 0; i < sum.length; i++) {
        sum[i] /= root;
      }
    } else if (moved != null) {
      for (int i = 0; i < sum.length; i++) {
        if (moved[i] > 1) {
          sum[i] /= moved[i];
        }
      }
    }
    return new ShardUpdate(modelId, -1, r, shard, shards, last, sum, stats);
  }

  public void write(DataOutput out) throws IOException {
    out.writeByte(FORMAT);
    out.writeLong(next);
    out.writeBoolean(done);
    out.writeInt(endedAt.length);
    for (long e : endedAt) {
      out.writeLong(e);
    }
    out.writeInt(rounds.size());
    for (Map.Entry<Long, ShardUpdate[]> e : rounds.entrySet()) {
      out.writeLong(e.getKey());
      for (ShardUpdate u : e.getValue()) {
        out.writeBoolean(u != null);
        if (u != null) {
          ShardUpdates.write(out, u);
        }
      }
    }
  }

  public void read(DataInput in) throws IOException {
    int v = in.readByte();
    if (v != FORMAT) {
      throw new IOException("unsupported round combiner state format " + v + "; this build reads " + FORMAT);
    }
    next = in.readLong();
    done = in.readBoolean();
    int n = in.readInt();
    if (n != endedAt.length) {
      throw new IOException("combiner state has " + n + " workers, configured " + endedAt.length);
    }
    for (int i = 0; i < n; i++) {
      endedAt[i] = in.readLong();
    }
    rounds.clear();
    int k = in.readInt();
    for (int i = 0; i < k; i++) {
      long r = in.readLong();
      ShardUpdate[] got = new ShardUpdate[n];
      for (int w = 0; w < n; w++) {
        if (in.readBoolean()) {
          got[w] = ShardUpdates.read(in);
        }
      }
      rounds.put(r, got);
    }
  }
}
