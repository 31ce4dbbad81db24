package io.streamtrain.core.parallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.core.train.TrainingConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RoundWorkerTest {
  static final int DIMS = 7;

  static Map<String, Object> spec(String optimizer, double lr, int batch, int capacity) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", Map.of("type", "logistic", "features", Map.of("dense", DIMS), "init", "zeros"));
    m.put("optimizer", Map.of("type", optimizer, "lr", lr));
    m.put("batching", Map.of("batch_size", batch, "shuffle_capacity", capacity, "seed", 5));
    return m;
  }

  /** Per partition, a logistic-teacher stream (the same rows for every run). */
  static List<List<Example>> stream(int partitions, int perPartition, long seed) {
    Random r = new Random(seed);
    double[] w = new double[DIMS];
    for (int i = 0; i < DIMS; i++) {
      w[i] = r.nextGaussian();
    }
    List<List<Example>> out = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      List<Example> rows = new ArrayList<>();
      for (int i = 0; i < perPartition; i++) {
        double[] x = new double[DIMS];
        double z = 0;
        for (int j = 0; j < DIMS; j++) {
          x[j] = r.nextGaussian();
          z += w[j] * x[j];
        }
        double label = r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
        rows.add(Example.dense(x, label).setModelId("m"));
      }
      out.add(rows);
    }
    return out;
  }

  /** Feeds the partitions' rows interleaved at random (each partition in order), then ends the input. */
  static InProcessRounds run(ParallelConfig par, Map<String, Object> spec, List<List<Example>> rows, long orderSeed,
      long restoreAt) throws Exception {
    InProcessRounds job = LocalRounds.of(par, rows.size(), spec, orderSeed + 17);
    Random order = new Random(orderSeed);
    int[] next = new int[rows.size()];
    long fed = 0;
    int total = rows.stream().mapToInt(List::size).sum();
    while (fed < total) {
      int p = order.nextInt(rows.size());
      if (next[p] == rows.get(p).size()) {
        continue;
      }
      job.sample(p, rows.get(p).get(next[p]++));
      if (++fed == restoreAt) {
        job.restore();
      }
    }
    job.endOfInput();
    return job;
  }

  @Test
  void resultDoesNotDependOnArrivalOrderOrMergeDelays() throws Exception {
    List<List<Example>> rows = stream(4, 1_000, 3);
    for (int staleness : new int[] {0, 1, 2}) {
      ParallelConfig par = new ParallelConfig(2, 97, staleness, ParallelConfig.Merge.AVERAGE, 3);
      InProcessRounds a = run(par, spec("adam", 0.05, 8, 32), rows, 1, -1);
      InProcessRounds b = run(par, spec("adam", 0.05, 8, 32), rows, 2, -1);
      assertThat(a.global().done()).isTrue();
      assertThat(a.global().state.params).containsExactly(b.global().state.params);
      assertThat(a.applied()).hasSameSizeAs(b.applied());
      // 1000 samples a partition in rounds of 97: 10 full rounds and a partial eleventh, every sample trained once.
      assertThat(a.applied()).hasSize(11);
      assertThat(a.global().state.samplesSeen).isEqualTo(4_000);
      assertThat(a.applied().stream().mapToLong(RoundStats::samples).sum()).isEqualTo(4_000);
      assertThat(a.applied().get(0).workerSamples()).containsExactly(194, 194);
    }
  }

  @Test
  void restoringEveryStateMidStreamChangesNothing() throws Exception {
    // At every staleness and in every phase of the rounds (before any merge, waiting, mid-round, at a round's end):
    // the own update of round - D - 1, which a worker's state omits, is never needed again.
    List<List<Example>> rows = stream(3, 800, 4);
    for (int staleness : new int[] {0, 1, 2}) {
      ParallelConfig par = new ParallelConfig(3, 50, staleness, ParallelConfig.Merge.AVERAGE, 4);
      InProcessRounds straight = run(par, spec("sgd", 0.1, 4, 16), rows, 9, -1);
      for (long at = 1; at < 2_400; at += 37) {
        InProcessRounds restored = run(par, spec("sgd", 0.1, 4, 16), rows, 9, at);
        assertThat(restored.global().state.params).as("staleness %d, restored after %d samples", staleness, at)
            .containsExactly(straight.global().state.params);
      }
    }
  }

  @Test
  void withoutStalenessEveryWorkerStartsEachRoundFromTheGlobalModel() throws Exception {
    List<List<Example>> rows = stream(2, 500, 5);
    ParallelConfig par = new ParallelConfig(2, 100, 0, ParallelConfig.Merge.AVERAGE, 65_536);
    InProcessRounds job = LocalRounds.of(par, 2, spec("sgd", 0.2, 10, 10), 3);
    for (int i = 0; i < 250; i++) { // rounds 0 and 1 of both partitions, then the first 50 of round 2
      job.sample(0, rows.get(0).get(i));
      job.sample(1, rows.get(1).get(i));
    }
    job.endOfInput();
    // After the end every merge has been delivered; the workers applied every round but their last.
    assertThat(job.applied()).hasSize(3);
    assertThat(job.worker(0).global()).containsExactly(job.worker(1).global());
  }

  @Test
  void oneRoundOfAveragedSgdEqualsTheClosedForm() throws Exception {
    // Two workers, one partition each, a round of one sample, batch 1: each worker takes one SGD step from the
    // same zero model; the merged model is the mean of the two steps. Logistic loss at w = 0: gradient (0.5 - y) x.
    List<List<Example>> rows = stream(2, 1, 6);
    ParallelConfig par = new ParallelConfig(2, 1, 0, ParallelConfig.Merge.AVERAGE, 65_536);
    InProcessRounds job = run(par, spec("sgd", 0.3, 1, 1), rows, 1, -1);
    double[] expected = new double[DIMS + 1];
    for (List<Example> p : rows) {
      Example e = p.get(0);
      double g = 0.5 - e.label();
      for (int j = 0; j < DIMS; j++) {
        expected[j] += -0.3 * g * e.denseValue(j) / 2;
      }
      expected[DIMS] += -0.3 * g / 2;
    }
    double[] got = job.global().state.params;
    for (int i = 0; i < expected.length; i++) {
      assertThat(got[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-15));
    }
  }

  @Test
  void deltaSumAddsTheWorkersUpdates() throws Exception {
    List<List<Example>> rows = stream(2, 1, 6);
    InProcessRounds avg = run(new ParallelConfig(2, 1, 0, ParallelConfig.Merge.AVERAGE, 65_536),
        spec("sgd", 0.3, 1, 1), rows, 1, -1);
    InProcessRounds sum = run(new ParallelConfig(2, 1, 0, ParallelConfig.Merge.DELTA_SUM, 65_536),
        spec("sgd", 0.3, 1, 1), rows, 1, -1);
    for (int i = 0; i < DIMS + 1; i++) {
      assertThat(sum.global().state.params[i]).isCloseTo(2 * avg.global().state.params[i],
          org.assertj.core.data.Offset.offset(1e-15));
    }
  }

  @Test
  void aWorkerWithoutSamplesEndsAndDoesNotDiluteTheAverage() throws Exception {
    List<List<Example>> rows = stream(2, 300, 8);
    List<List<Example>> oneSided = List.of(rows.get(0), List.of());
    ParallelConfig par = new ParallelConfig(2, 100, 0, ParallelConfig.Merge.AVERAGE, 65_536);
    InProcessRounds job = run(par, spec("sgd", 0.1, 10, 10), oneSided, 1, -1);
    assertThat(job.global().done()).isTrue();
    // Worker 1 never trained: the merged model is worker 0's own, as a single trainer on partition 0 in rounds.
    ModelTrainer t = new ModelTrainer(TrainingConfig.fromSpec(new SpecReader("", spec("sgd", 0.1, 10, 10))));
    RoundWorker alone = new RoundWorker(new ParallelConfig(1, 100, 0, ParallelConfig.Merge.AVERAGE, 65_536), 0, 1,
        t, t.newState("m"), io.streamtrain.core.data.ExampleCodec.INSTANCE,
        RoundWorker.seedFor(LocalRounds.modelSeed(spec("sgd", 0.1, 10, 10)), 0));
    List<ShardUpdate> sent = new ArrayList<>();
    for (Example e : rows.get(0)) {
      alone.accept(0, e, sent::add);
      for (ShardUpdate u : new ArrayList<>(sent)) { // self-merge: one worker's mean is its own update
        alone.acceptMerged(new ShardUpdate("m", -1, u.round(), u.shard(), u.shards(), u.last(), u.values(), null),
            sent::add);
        sent.remove(u);
      }
    }
    alone.endOfInput(sent::add);
    // Its last round is never applied by the worker (it has ended); the global model adds it.
    assertThat(sent).hasSize(1);
    double[] expected = alone.global().clone();
    for (int i = 0; i < expected.length; i++) {
      expected[i] += sent.get(0).values()[i];
    }
    TrainerState g = job.global().state;
    assertThat(g.params).containsExactly(expected);
  }

  @Test
  void aSampleOfAnotherWorkersPartitionIsAnError() {
    ModelTrainer t = new ModelTrainer(TrainingConfig.fromSpec(new SpecReader("", spec("sgd", 0.1, 1, 1))));
    RoundWorker w = new RoundWorker(new ParallelConfig(2, 10, 0, ParallelConfig.Merge.AVERAGE, 10), 1, 4, t,
        t.newState("m"), io.streamtrain.core.data.ExampleCodec.INSTANCE, 1);
    assertThatThrownBy(() -> w.accept(2, Example.dense(new double[DIMS], 1), u -> {}))
        .hasMessageContaining("partition 2 does not belong to worker 1 of 2");
    assertThat(new ParallelConfig(3, 1, 0, ParallelConfig.Merge.AVERAGE, 1).partitionsOf(1, 8))
        .containsExactly(1, 4, 7);
    assertThat(Arrays.stream(new int[] {0, 1, 2}).map(p -> new ParallelConfig(3, 1, 0,
        ParallelConfig.Merge.AVERAGE, 1).partitionsOf(p, 2).length).toArray()).containsExactly(1, 1, 0);
  }
}
