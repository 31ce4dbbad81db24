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
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * One data-parallel worker of one model: today's trainer (shuffle buffer, mini-batches, optimizer) on the samples
 * of the partitions it owns, in rounds. Round {@code r} is, for each owned partition in ascending order, that
 * partition's samples {@code r*H .. (r+1)*H - 1} in offset order, so what a round trains on never depends on how
 * the partitions interleave on arrival (samples of a later partition wait in {@link HeldSamples}). At a round's end the
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
  /** 2: held samples as one byte block per partition (1: sample by sample, still read). */
  private static final int FORMAT = 2;

  private final ParallelConfig par;
  private final int worker;
  private final ModelTrainer trainer;
  private final Batching batching;
  public final TrainerState state;
  private final ShuffleBuffer<Example> shuffle;
  private final HeldSamples held;
  /** A held sample read back, before the shuffle buffer copies it. */
  private final Example scratch = new Example();
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
  private final RoundTally tally = new RoundTally();
  /** Told of each sample as it enters the worker's training, with the parameters it meets (replay predicts there). */
  private Taken taken;
  /** Wall clock when the worker began to wait for a merged round (memory only: reported, never trained on). */
  private transient long waitingSince = -1;

  public RoundWorker(ParallelConfig par, int worker, int partitions, ModelTrainer trainer, TrainerState state,
      ShuffleBuffer.SlotCodec<Example> codec, long shuffleSeed) {
    this.par = par;
    this.worker = worker;
    this.trainer = trainer;
    this.batching = trainer.config().batching();
    this.state = state;
    this.shuffle = new ShuffleBuffer<>(batching.shuffleCapacity(), shuffleSeed, codec);
    this.held = new HeldSamples(worker, par.workers(), par.partitionsOf(worker, partitions).length);
    this.scratch.setModelId(state.modelId);
    this.size = state.params.length;
    this.global = state.params.clone();
    this.roundStart = new double[size];
    this.own = new double[par.staleness() + 1][];
    this.merged = new MergedRounds(size, par.shardParameters());
  }

  /** Sees each sample just before it enters the worker's training: the worker, its round, the sample, its state. */
  public interface Taken {
    void taken(int worker, long round, Example e, TrainerState state);
  }

  /** Calls {@code t} for every sample as it enters training (memory only: not part of the worker's state). */
  public RoundWorker onTaken(Taken t) {
    this.taken = t;
    return this;
  }

  /**
   * The shuffle seed of worker {@code w} of a model whose single trainer would use {@code modelSeed} (the job's
   * workers and the replay's use the same seeds).
   */
  public static long seedFor(long modelSeed, int w) {
    return io.streamtrain.core.random.Xoshiro256.splitMix(modelSeed + w);
  }

  public ModelTrainer trainer() {
    return trainer;
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
    int idx = held.indexOf(partition);
    if (!started && !waiting()) {
      pump(out); // the first round, or one whose merge is not due yet: start it
    }
    if (started && idx == cur && held.isEmpty(idx) && held.taken(idx) < quota()) {
      consume(idx, e);
      if (held.taken(idx) == quota()) {
        pump(out);
      }
      return;
    }
    held.hold(idx, e);
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
      while (cur < held.owned()) {
        while (held.taken(cur) < quota() && !held.isEmpty(cur)) {
          held.poll(cur, scratch);
          consume(cur, scratch);
        }
        if (held.taken(cur) < quota() && !inputEnded) {
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
        tally.waited(System.currentTimeMillis() - waitingSince);
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
    if (taken != null) {
      taken.taken(worker, round, e, state);
    }
    tally.time(e.eventTime());
    shuffle.add(e);
    held.take(idx);
    if (added < Long.MAX_VALUE) {
      added++;
    }
    if (shuffle.size() >= batching.fill(added)) {
      trainBatch();
    }
  }

  private void trainBatch() {
    Batch b = trainer.batch();
    int k = b.drawFrom(shuffle, batching.batchSize());
    StepResult r = trainer.train(state, b);
    tally.step(r, k);
  }

  private void endRound(Consumer<ShardUpdate> out) {
    while (!shuffle.isEmpty()) {
      trainBatch();
    }
    boolean last = inputEnded && held.allEmpty();
    double[] x = state.params;
    double[] d = own[(int) (round % own.length)];
    if (d == null) {
      d = new double[size];
      own[(int) (round % own.length)] = d;
    }
    for (int i = 0; i < size; i++) {
      d[i] = x[i] - roundStart[i];
    }
    RoundStats stats = tally.stats(par.workers(), worker);
    int shards = merged.shards();
    for (int s = 0; s < shards; s++) {
      int lo = s * par.shardParameters();
      double[] v = Arrays.copyOfRange(d, lo, Math.min(size, lo + par.shardParameters()));
      out.accept(new ShardUpdate(state.modelId, worker, round, s, shards, last, v, stats));
    }
    tally.reset();
    round++;
    cur = 0;
    started = false;
    finished = last;
  }

  public void write(DataOutput out) throws IOException {
    out.writeByte(FORMAT);
    state.write(out);
    shuffle.write(out);
    for (long l : new long[] {round, cur, appliedThrough, added}) {
      out.writeLong(l);
    }
    tally.write(out);
    out.writeBoolean(started);
    out.writeBoolean(inputEnded);
    out.writeBoolean(finished);
    held.write(out);
    Doubles.write(out, global);
    Doubles.write(out, roundStart);
    out.writeInt(own.length);
    for (int i = 0; i < own.length; i++) {
      // own[round % (D + 1)] holds round - D - 1, which no merge applies again (the next ones add rounds
      // round - D .. round - 1) and this round's end overwrites: written as absent, as before the first round.
      boolean live = own[i] != null && i != (int) (round % own.length);
      out.writeBoolean(live);
      if (live) {
        Doubles.write(out, own[i]);
      }
    }
    merged.write(out);
  }

  /** Reads a state written by {@link #write} into this worker (built from the same configuration). */
  public void read(DataInput in) throws IOException {
    int v = in.readByte();
    if (v != FORMAT && v != 1) {
      throw new IOException("unsupported parallel worker state format " + v + "; this build reads 1 and " + FORMAT);
    }
    state.read(in);
    shuffle.read(in);
    round = in.readLong();
    cur = (int) in.readLong();
    appliedThrough = in.readLong();
    added = in.readLong();
    tally.read(in);
    started = in.readBoolean();
    inputEnded = in.readBoolean();
    finished = in.readBoolean();
    held.read(in, v == 1);
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
