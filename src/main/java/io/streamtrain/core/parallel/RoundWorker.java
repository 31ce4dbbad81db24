package io.streamtrain.core.parallel;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.data.ShuffleBuffer;
import io.streamtrain.core.train.Batching;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.ModelTrainer.StepResult;
import io.streamtrain.core.train.TrainerState;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * One data-parallel worker of one model: today's trainer (shuffle buffer, mini-batches, optimizer) on the samples
 * of the partitions it owns, in rounds. Round {@code r} is, for each owned partition in ascending order, that
 * partition's samples {@code r*H .. (r+1)*H - 1} in offset order, so what a round trains on never depends on how
 * the partitions interleave on arrival (samples of a later partition wait in {@code pending}). At a round's end the
 * shuffle buffer is drained, the round's update (parameters now minus at its start) goes out in shards, and before
 * round {@code k} starts the worker applies merged round {@code k - 1 - D} (waiting, with later samples held, until
 * it has arrived): global model {@code G += M}, then {@code x = G + own updates of the D rounds since}, so with
 * {@code D = 0} every worker starts each round from exactly the global model. When the input ends the last
 * (partial) round goes out marked last. All of it is state ({@link #write}), so recovery and replay repeat it.
 *
 * <p>Optimizer state (momentum, Adam moments, Adagrad accumulators, schedule) stays local to each worker: only
 * parameters are merged (see docs/parallel.md for why and for the optimizers this excludes).
 */
public final class RoundWorker {
  private static final int FORMAT = 1;

  private final ParallelConfig par;
  private final int worker;
  private final int[] owned;
  private final ModelTrainer trainer;
  private final Batching batching;
  private final ShuffleBuffer.SlotCodec<Example> codec;
  public final TrainerState state;
  private final ShuffleBuffer<Example> shuffle;
  private final ArrayDeque<Example>[] pending;
  private final ArrayDeque<Example> free = new ArrayDeque<>();
  private final long[] taken;
  private final double[] global;
  private final double[] roundStart;
  private final double[][] own;
  private final MergedRounds merged;
  private final int size;

  private long round;
  private int cur;
  private boolean started;
  private long appliedThrough = -1;
  private boolean inputEnded;
  private boolean finished;
  private long added;
  private long rSamples;
  private long rSteps;
  private long rScored;
  private long rCorrect;
  private double rLoss;
  private long rWaitMs;
  private long rMinTime = Long.MAX_VALUE;
  private long rMaxTime = Long.MIN_VALUE;
  /** Wall clock when the worker began to wait for a merged round (memory only: reported, never trained on). */
  private transient long waitingSince = -1;

  @SuppressWarnings("unchecked")
  public RoundWorker(ParallelConfig par, int worker, int partitions, ModelTrainer trainer, TrainerState state,
      ShuffleBuffer.SlotCodec<Example> codec, long shuffleSeed) {
    this.par = par;
    this.worker = worker;
    this.owned = par.partitionsOf(worker, partitions);
    this.trainer = trainer;
    this.batching = trainer.config().batching();
    this.codec = codec;
    this.state = state;
    this.shuffle = new ShuffleBuffer<>(batching.shuffleCapacity(), shuffleSeed, codec);
    this.pending = new ArrayDeque[owned.length];
    for (int i = 0; i < owned.length; i++) {
      pending[i] = new ArrayDeque<>();
    }
    this.taken = new long[owned.length];
    this.size = state.params.length;
    this.global = state.params.clone();
    this.roundStart = new double[size];
    this.own = new double[par.staleness() + 1][];
    this.merged = new MergedRounds(size, par.shardParameters());
  }

  public long round() {
    return round;
  }

  public boolean finished() {
    return finished;
  }

  /** True while the worker holds its samples until a merged round arrives. */
  public boolean waiting() {
    return !started && !finished && due() >= 0 && appliedThrough < due();
  }

  /** The global model as of the last merged round applied. */
  public double[] global() {
    return global;
  }

  /** One sample of partition {@code partition} (one this worker owns), in that partition's offset order. */
  public void accept(int partition, Example e, Consumer<ShardUpdate> out) {
    if (finished) {
      throw new IllegalStateException("worker " + worker + " of '" + state.modelId + "' got a sample after its input"
          + " ended");
    }
    int idx = indexOf(partition);
    if (!started && !waiting()) {
      pump(out); // the first round, or one whose merge is not due yet: start it
    }
    if (started && idx == cur && pending[idx].isEmpty() && taken[idx] < quota()) {
      consume(idx, e);
      if (taken[idx] == quota()) {
        pump(out);
      }
      return;
    }
    Example copy = free.isEmpty() ? codec.newSlot() : free.poll();
    codec.copy(e, copy);
    pending[idx].add(copy);
    if (started && idx == cur) {
      pump(out);
    }
  }

  /** One shard of a merged round (from every round the job merges; ones already applied are ignored). */
  public void acceptMerged(ShardUpdate u, Consumer<ShardUpdate> out) {
    if (finished) {
      return;
    }
    merged.add(u, appliedThrough + 1);
    if (!started) {
      pump(out);
    }
  }

  /** The input has ended: what is pending is trained, the last round goes out (possibly once merges arrive). */
  public void endOfInput(Consumer<ShardUpdate> out) {
    inputEnded = true;
    pump(out);
  }

  /** Starts the round (applying its due merge) and trains what is pending, as far as the order allows. */
  private void pump(Consumer<ShardUpdate> out) {
    while (!finished) {
      if (!started && !start()) {
        return;
      }
      while (cur < owned.length) {
        ArrayDeque<Example> q = pending[cur];
        while (taken[cur] < quota() && !q.isEmpty()) {
          Example e = q.poll();
          consume(cur, e);
          free.add(e);
        }
        if (taken[cur] < quota() && !inputEnded) {
          return;
        }
        cur++;
      }
      endRound(out);
    }
  }

  private long due() {
    return round - 1 - par.staleness();
  }

  private long quota() {
    return (round + 1) * par.roundSamples();
  }

  /** Applies the merged round due before this one; false while it has not arrived. */
  private boolean start() {
    long due = due();
    if (due >= 0 && appliedThrough < due) {
      MergedRounds.Assembly a = merged.complete(due);
      if (a == null) {
        if (waitingSince < 0) {
          waitingSince = System.currentTimeMillis();
        }
        return false;
      }
      apply(a.values, due);
      appliedThrough = due;
      merged.remove(due);
      if (waitingSince >= 0) {
        rWaitMs += System.currentTimeMillis() - waitingSince;
        waitingSince = -1;
      }
    }
    System.arraycopy(state.params, 0, roundStart, 0, size);
    started = true;
    return true;
  }

  /** {@code G += M(q)}; {@code x = G + own(q+1) + ... + own(q+D)}, in round order. */
  private void apply(double[] m, long q) {
    double[] x = state.params;
    for (int i = 0; i < size; i++) {
      global[i] += m[i];
    }
    System.arraycopy(global, 0, x, 0, size);
    for (long j = q + 1; j <= q + par.staleness(); j++) {
      double[] d = own[(int) (j % own.length)];
      for (int i = 0; i < size; i++) {
        x[i] += d[i];
      }
    }
    // The parameters changed outside the optimizer: cached norms and the guard's good copy are stale.
    state.forgetParamNorm();
    state.guard.hasGood = false;
  }

  private void consume(int idx, Example e) {
    long t = e.eventTime();
    if (t < rMinTime) {
      rMinTime = t;
    }
    if (t > rMaxTime) {
      rMaxTime = t;
    }
    shuffle.add(e);
    taken[idx]++;
    if (added < Long.MAX_VALUE) {
      added++;
    }
    if (shuffle.size() >= batching.fill(added)) {
      trainBatch();
    }
  }

  private void trainBatch() {
    int k = shuffle.draw(batching.batchSize());
    int from = shuffle.size();
    Batch b = trainer.batch();
    b.clear();
    for (int i = 0; i < k; i++) {
      b.add(shuffle.slot(from + i));
    }
    StepResult r = trainer.train(state, b);
    rSteps++;
    rSamples += k;
    if (Double.isFinite(r.loss)) {
      rLoss += r.loss * k;
    }
    if (r.correct >= 0) {
      rScored += k;
      rCorrect += r.correct;
    }
  }

  private void endRound(Consumer<ShardUpdate> out) {
    while (!shuffle.isEmpty()) {
      trainBatch();
    }
    boolean last = inputEnded && allPendingEmpty();
    double[] x = state.params;
    double[] d = own[(int) (round % own.length)];
    if (d == null) {
      d = new double[size];
      own[(int) (round % own.length)] = d;
    }
    for (int i = 0; i < size; i++) {
      d[i] = x[i] - roundStart[i];
    }
    long[] ws = new long[par.workers()];
    ws[worker] = rSamples;
    RoundStats stats = new RoundStats(rSamples, rSteps, rLoss, rScored, rCorrect, ws, rWaitMs, rMinTime, rMaxTime);
    int shards = merged.shards();
    for (int s = 0; s < shards; s++) {
      int lo = s * par.shardParameters();
      double[] v = Arrays.copyOfRange(d, lo, Math.min(size, lo + par.shardParameters()));
      out.accept(new ShardUpdate(state.modelId, worker, round, s, shards, last, v, stats));
    }
    rSamples = 0;
    rSteps = 0;
    rLoss = 0.0;
    rScored = 0;
    rCorrect = 0;
    rWaitMs = 0;
    rMinTime = Long.MAX_VALUE;
    rMaxTime = Long.MIN_VALUE;
    round++;
    cur = 0;
    started = false;
    finished = last;
  }

  private boolean allPendingEmpty() {
    for (ArrayDeque<Example> q : pending) {
      if (!q.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  private int indexOf(int partition) {
    int idx = partition / par.workers();
    if (partition % par.workers() != worker || idx >= owned.length) {
      throw new IllegalArgumentException("partition " + partition + " does not belong to worker " + worker + " of "
          + par.workers() + " (" + owned.length + " owned partitions)");
    }
    return idx;
  }

  public void write(DataOutput out) throws IOException {
    out.writeByte(FORMAT);
    state.write(out);
    shuffle.write(out);
    long[] longs = {round, cur, appliedThrough, added, rSamples, rSteps, rScored, rCorrect, rWaitMs, rMinTime,
        rMaxTime};
    for (long l : longs) {
      out.writeLong(l);
    }
    out.writeDouble(rLoss);
    out.writeBoolean(started);
    out.writeBoolean(inputEnded);
    out.writeBoolean(finished);
    out.writeInt(owned.length);
    for (int i = 0; i < owned.length; i++) {
      out.writeLong(taken[i]);
      out.writeInt(pending[i].size());
      for (Example e : pending[i]) {
        codec.write(e, out);
      }
    }
    Doubles.write(out, global);
    Doubles.write(out, roundStart);
    out.writeInt(own.length);
    for (double[] d : own) {
      out.writeBoolean(d != null);
      if (d != null) {
        Doubles.write(out, d);
      }
    }
    merged.write(out);
  }

  /** Reads a state written by {@link #write} into this worker (built from the same configuration). */
  public void read(DataInput in) throws IOException {
    int v = in.readByte();
    if (v != FORMAT) {
      throw new IOException("unsupported parallel worker state format " + v + "; this build reads " + FORMAT);
    }
    state.read(in);
    shuffle.read(in);
    round = in.readLong();
    cur = (int) in.readLong();
    appliedThrough = in.readLong();
    added = in.readLong();
    rSamples = in.readLong();
    rSteps = in.readLong();
    rScored = in.readLong();
    rCorrect = in.readLong();
    rWaitMs = in.readLong();
    rMinTime = in.readLong();
    rMaxTime = in.readLong();
    rLoss = in.readDouble();
    started = in.readBoolean();
    inputEnded = in.readBoolean();
    finished = in.readBoolean();
    int n = in.readInt();
    if (n != owned.length) {
      throw new IOException("worker state owns " + n + " partitions, this job gives worker " + worker + " "
          + owned.length + " (the samples topic's partition count or the worker count changed)");
    }
    for (int i = 0; i < n; i++) {
      taken[i] = in.readLong();
      pending[i].clear();
      int k = in.readInt();
      for (int j = 0; j < k; j++) {
        Example e = codec.newSlot();
        codec.read(in, e);
        pending[i].add(e);
      }
    }
    Doubles.read(in, global);
    Doubles.read(in, roundStart);
    int m = in.readInt();
    if (m != own.length) {
      throw new IOException("worker state has staleness " + (m - 1) + ", configured " + par.staleness());
    }
    for (int i = 0; i < m; i++) {
      if (in.readBoolean()) {
        own[i] = new double[size];
        Doubles.read(in, own[i]);
      } else {
        own[i] = null;
      }
    }
    merged.read(in);
  }
}
