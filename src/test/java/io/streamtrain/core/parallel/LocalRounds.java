package io.streamtrain.core.parallel;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainingConfig;
import io.streamtrain.flink.types.ExampleCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A data-parallel job in one thread, for tests: workers, one combiner per shard and the global model, with merged
 * rounds delivered to the workers after a random delay (the Kafka loop's latency), so tests can vary arrival
 * orders and delays and check that the results do not change.
 */
public final class LocalRounds {
  final ParallelConfig par;
  final int partitions;
  final Map<String, Object> spec;
  final RoundWorker[] workers;
  final RoundCombiner[] combiners;
  public final GlobalModel global;
  public final List<RoundStats> applied = new ArrayList<>();
  private final ArrayDeque<ShardUpdate> toCombine = new ArrayDeque<>();
  private final List<ShardUpdate> inFlight = new ArrayList<>();
  private final Random delays;

  public LocalRounds(ParallelConfig par, int partitions, Map<String, Object> spec, long delaySeed) {
    this.par = par;
    this.partitions = partitions;
    this.spec = spec;
    this.delays = new Random(delaySeed);
    workers = new RoundWorker[par.workers()];
    for (int w = 0; w < workers.length; w++) {
      workers[w] = newWorker(w);
    }
    int shards = par.shards(workers[0].state.params.length);
    combiners = new RoundCombiner[shards];
    for (int s = 0; s < shards; s++) {
      combiners[s] = new RoundCombiner(par, "m", s);
    }
    global = new GlobalModel(par, trainer().newState("m"));
  }

  ModelTrainer trainer() {
    return new ModelTrainer(TrainingConfig.fromSpec(new SpecReader("", spec)));
  }

  RoundWorker newWorker(int w) {
    ModelTrainer t = trainer();
    return new RoundWorker(par, w, partitions, t, t.newState("m"), ExampleCodec.INSTANCE, 1234 + w);
  }

  public void sample(int partition, Example e) {
    workers[par.workerOf(partition)].accept(partition, e, toCombine::add);
    drain(false);
  }

  public void endOfInput() {
    for (RoundWorker w : workers) {
      w.endOfInput(toCombine::add);
    }
    while (!inFlight.isEmpty() || !toCombine.isEmpty()) {
      drain(true);
    }
  }

  /** Combines what the workers sent; delivers merged shards now or later (all of them when {@code all}). */
  private void drain(boolean all) {
    while (!toCombine.isEmpty()) {
      ShardUpdate u = toCombine.poll();
      combiners[u.shard()].accept(u, m -> {
        inFlight.add(m);
        try {
          global.accept(m, (r, s, last) -> applied.add(s));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
    }
    for (int i = 0; i < inFlight.size(); ) {
      if (all || delays.nextInt(4) == 0) {
        ShardUpdate m = inFlight.remove(i);
        for (RoundWorker w : workers) {
          w.acceptMerged(m, toCombine::add);
        }
      } else {
        i++;
      }
    }
  }

  /** Every worker, combiner and the global model through their binary state and back (a restore). */
  void restore() throws IOException {
    for (int w = 0; w < workers.length; w++) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      workers[w].write(new DataOutputStream(bytes));
      RoundWorker fresh = newWorker(w);
      fresh.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
      workers[w] = fresh;
    }
    for (int s = 0; s < combiners.length; s++) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      combiners[s].write(new DataOutputStream(bytes));
      RoundCombiner fresh = new RoundCombiner(par, "m", s);
      fresh.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
      combiners[s] = fresh;
    }
  }
}
