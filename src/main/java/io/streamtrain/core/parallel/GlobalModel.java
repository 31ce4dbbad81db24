package io.streamtrain.core.parallel;

import io.streamtrain.core.train.TrainerState;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The merged model of a data-parallel job: starts from the same initial parameters as every worker and adds each
 * merged round, in round order, once all its shards have arrived ({@code G += M}, the same operation in the same
 * order as the workers, so with staleness 0 its parameters equal every worker's at the start of the next round,
 * bit for bit). Its {@link TrainerState} carries the global counters (steps and samples summed over workers;
 * {@code version} counts published snapshots) and is what snapshots and reports are made from.
 */
public final class GlobalModel {
  private static final int FORMAT = 1;

  /**
   * Called for each round as it is applied. A last round with no samples means only that the workers' inputs
   * ended after a full round (timing decides whether it exists); listeners report nothing for it but the end.
   */
  public interface RoundListener {
    void applied(long round, RoundStats stats, boolean last) throws Exception;
  }

  public final TrainerState state;
  private final MergedRounds merged;
  private long next;
  private boolean done;

  public GlobalModel(ParallelConfig par, TrainerState initial) {
    this.state = initial;
    this.merged = new MergedRounds(initial.params.length, par.shardParameters());
  }

  /** The next round to apply. */
  public long nextRound() {
    return next;
  }

  public boolean done() {
    return done;
  }

  public void accept(ShardUpdate u, RoundListener l) throws Exception {
    if (done) {
      return;
    }
    merged.add(u, next);
    MergedRounds.Assembly a;
    while (!done && (a = merged.complete(next)) != null) {
      RoundStats s = a.stats;
      if (s == null || s.samples() > 0) {
        // A round nobody trained in (every worker's input had ended: it only says so) changes nothing, not even the
        // sign of a zero; whether it exists depends on timing, so it must not reach the parameters.
        double[] g = state.params;
        double[] m = a.values;
        for (int i = 0; i < g.length; i++) {
          g[i] += m[i];
        }
        state.forgetParamNorm();
      }
      if (s != null) {
        state.samplesSeen += s.samples();
        state.step += s.steps();
        state.batches += s.steps();
      }
      merged.remove(next);
      done = a.last;
      l.applied(next++, s, a.last);
    }
  }

  public void write(DataOutput out) throws IOException {
    out.writeByte(FORMAT);
    state.write(out);
    out.writeLong(next);
    out.writeBoolean(done);
    merged.write(out);
  }

  public void read(DataInput in) throws IOException {
    int v = in.readByte();
    if (v != FORMAT) {
      throw new IOException("unsupported global model state format " + v + "; this build reads " + FORMAT);
    }
    state.read(in);
    next = in.readLong();
    done = in.readBoolean();
    merged.read(in);
  }
}
