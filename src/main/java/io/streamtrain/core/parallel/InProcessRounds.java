package io.streamtrain.core.parallel;

import io.streamtrain.core.data.Example;
import io.streamtrain.core.data.ShuffleBuffer;
import io.streamtrain.core.train.ModelTrainer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * A data-parallel job of one model in one thread: its workers, one combiner per shard and the global model, wired
 * as the job wires them through Kafka. The job's result does not depend on when merged rounds arrive (workers wait
 * for the round they need and hold later samples), so delivering them at once gives the job's parameters bit for
 * bit; that is what replay does. Tests may instead deliver them after a random delay ({@code delaySeed}) to check
 * that independence, and {@link #restore} every part through its binary state.
 */
public final class InProcessRounds {
  private final ParallelConfig par;
  private final IntFunction<RoundWorker> newWorker;
  private final String modelId;
  private final RoundWorker[] workers;
  private final RoundCombiner[] combiners;
  private final GlobalModel global;
  private final List<RoundStats> applied = new ArrayList<>();
  private final ArrayDeque<ShardUpdate> toCombine = new ArrayDeque<>();
  private final List<ShardUpdate> inFlight = new ArrayList<>();
  private java.util.function.LongConsumer appliedListener = r -> { };
  /** Null: merged rounds reach the workers at once. */
  private final Random delays;

  /**
   * @param trainers a new trainer of the model's configuration (one per worker and one for the global model)
   * @param modelSeed the shuffle seed the model's single trainer would have; worker w gets
   *     {@link RoundWorker#seedFor}
   * @param codec how the workers' buffers copy (and, for {@link #restore}, serialize) samples
   */
  public InProcessRounds(ParallelConfig par, int partitions, String modelId, Supplier<ModelTrainer> trainers,
      long modelSeed, ShuffleBuffer.SlotCodec<Example> codec, Long delaySeed) {
    this.par = par;
    this.modelId = modelId;
    this.delays = delaySeed == null ? null : new Random(delaySeed);
    this.newWorker = w -> {
      ModelTrainer t = trainers.get();
      return new RoundWorker(par, w, partitions, t, t.newState(modelId), codec, RoundWorker.seedFor(modelSeed, w));
    };
    workers = new RoundWorker[par.workers()];
    for (int w = 0; w < workers.length; w++) {
      workers[w] = newWorker.apply(w);
    }
    combiners = new RoundCombiner[par.shards(workers[0].state.params.length)];
    for (int s = 0; s < combiners.length; s++) {
      combiners[s] = new RoundCombiner(par, modelId, s);
    }
    global = new GlobalModel(par, trainers.get().newState(modelId));
  }

  /** Tells {@code t} of every sample as it enters a worker's training (see {@link RoundWorker#onTaken}). */
  public InProcessRounds onTaken(RoundWorker.Taken t) {
    for (RoundWorker w : workers) {
      w.onTaken(t);
    }
    return this;
  }

  /** Tells {@code l} of every round the merged model applies, in round order. */
  public InProcessRounds onApplied(java.util.function.LongConsumer l) {
    this.appliedListener = l;
    return this;
  }

  /** The next sample of {@code partition} (in that partition's order; partitions may interleave in any way). */
  public void sample(int partition, Example e) {
    workers[par.workerOf(partition)].accept(partition, e, toCombine::add);
    drain(false);
  }

  /** End of every partition: the workers train what they hold and the last rounds are merged. */
  public void endOfInput() {
    for (RoundWorker w : workers) {
      w.endOfInput(toCombine::add);
    }
    while (!inFlight.isEmpty() || !toCombine.isEmpty()) {
      drain(true);
    }
  }

  /** The merged model (its state's parameters, steps and samples: what the job's snapshots carry). */
  public GlobalModel global() {
    return global;
  }

  /** The merged rounds' statistics, in round order. */
  public List<RoundStats> applied() {
    return applied;
  }

  public RoundWorker worker(int w) {
    return workers[w];
  }

  /** Combines what the workers sent; delivers merged shards now or, with delays, some later (all when {@code all}). */
  private void drain(boolean all) {
    while (!toCombine.isEmpty()) {
      ShardUpdate u = toCombine.poll();
      combiners[u.shard()].accept(u, m -> {
        inFlight.add(m);
        try {
          global.accept(m, (r, s, last) -> {
            applied.add(s);
            appliedListener.accept(r);
          });
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
    }
    for (int i = 0; i < inFlight.size(); ) {
      if (all || delays == null || delays.nextInt(4) == 0) {
        ShardUpdate m = inFlight.remove(i);
        for (RoundWorker w : workers) {
          w.acceptMerged(m, toCombine::add);
        }
      } else {
        i++;
      }
    }
  }

  /** Every worker and combiner through its binary state and back into a fresh one (a restore from a checkpoint). */
  public void restore() throws IOException {
    for (int w = 0; w < workers.length; w++) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      workers[w].write(new DataOutputStream(bytes));
      RoundWorker fresh = newWorker.apply(w);
      fresh.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
      workers[w] = fresh;
    }
    for (int s = 0; s < combiners.length; s++) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      combiners[s].write(new DataOutputStream(bytes));
      RoundCombiner fresh = new RoundCombiner(par, modelId, s);
      fresh.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
      combiners[s] = fresh;
    }
  }
}
