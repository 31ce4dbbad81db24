package io.streamtrain.core.parallel;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.data.Example;
import io.streamtrain.core.parallel.ParallelConfig.Merge;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The merge rules on hand-computed updates, across shardings, arrival orders and restores. */
class RoundCombinerTest {
  /**
   * Three workers' round-0 updates of four parameters: parameter 0 moved by no worker, 1 by worker 1 only, 2 by
   * workers 0 and 2, 3 by all three (dyadic values: every sum and quotient below is exact).
   */
  static final double[][] UPDATES = {
      {0.0, 0.0, 0.75, 0.5},
      {0.0, 0.375, 0.0, 1.0},
      {0.0, 0.0, -0.25, 1.5}};

  static RoundStats trained(int workers, int w, long samples) {
    long[] ws = new long[workers];
    ws[w] = samples;
    return new RoundStats(samples, samples, 0.0, 0, 0, ws, 0, 0, 0);
  }

  /** The round-{@code round} updates of {@code updates}' workers cut into shards of {@code shardParameters}. */
  static List<ShardUpdate> shards(double[][] updates, long round, int shardParameters, boolean last) {
    int n = updates[0].length;
    int shards = Math.max(1, (n + shardParameters - 1) / shardParameters);
    List<ShardUpdate> out = new ArrayList<>();
    for (int w = 0; w < updates.length; w++) {
      for (int s = 0; s < shards; s++) {
        int lo = s * shardParameters;
        double[] v = Arrays.copyOfRange(updates[w], lo, Math.min(n, lo + shardParameters));
        out.add(new ShardUpdate("m", w, round, s, shards, last, v, trained(updates.length, w, 10)));
      }
    }
    return out;
  }

  /** Merges {@code in} (any order) with one combiner per shard; the merged rounds, shards concatenated. */
  static List<double[]> merge(Merge rule, int workers, int size, int shardParameters, List<ShardUpdate> in,
      int restoreAfter) throws Exception {
    ParallelConfig par = new ParallelConfig(workers, 10, 0, rule, shardParameters);
    RoundCombiner[] combiners = new RoundCombiner[par.shards(size)];
    for (int s = 0; s < combiners.length; s++) {
      combiners[s] = new RoundCombiner(par, "m", s);
    }
    List<double[]> rounds = new ArrayList<>();
    int fed = 0;
    for (ShardUpdate u : in) {
      combiners[u.shard()].accept(u, m -> {
        while (rounds.size() <= m.round()) {
          rounds.add(new double[size]);
        }
        System.arraycopy(m.values(), 0, rounds.get((int) m.round()), m.shard() * shardParameters,
            m.values().length);
      });
      if (++fed == restoreAfter) {
        for (int s = 0; s < combiners.length; s++) {
          ByteArrayOutputStream bytes = new ByteArrayOutputStream();
          combiners[s].write(new DataOutputStream(bytes));
          combiners[s] = new RoundCombiner(par, "m", s);
          combiners[s].read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        }
      }
    }
    return rounds;
  }

  static double[] mergeOne(Merge rule, double[][] updates, int shardParameters) throws Exception {
    List<double[]> r = merge(rule, updates.length, updates[0].length, shardParameters,
        shards(updates, 0, shardParameters, false), -1);
    assertThat(r).hasSize(1);
    return r.get(0);
  }

  @Test
  void threeWorkersByHandForEveryRule() throws Exception {
    // average: sums (0, 0.375, 0.5, 3.0) over the 3 workers that trained.
    assertThat(mergeOne(Merge.AVERAGE, UPDATES, 65_536)).containsExactly(0.0, 0.125, 0.5 / 3, 1.0);
    assertThat(mergeOne(Merge.DELTA_SUM, UPDATES, 65_536)).containsExactly(0.0, 0.375, 0.5, 3.0);
    // touched_average: each sum over the workers that moved the parameter (none: stays 0; 1, 2, 3 workers).
    assertThat(mergeOne(Merge.TOUCHED_AVERAGE, UPDATES, 65_536)).containsExactly(0.0, 0.375, 0.25, 1.0);
    // sum_over_sqrt_n: the sums over the square root of the 3 workers that trained (3 / sqrt(3) = sqrt(3)).
    double[] root = mergeOne(Merge.SUM_OVER_SQRT_N, UPDATES, 65_536);
    assertThat(root).containsExactly(0.0, 0.375 / Math.sqrt(3), 0.5 / Math.sqrt(3), 3.0 / Math.sqrt(3));
    assertThat(root[1]).isCloseTo(0.21650635094610965, Offset.offset(1e-16));
    assertThat(root[3]).isCloseTo(1.7320508075688772, Offset.offset(1e-15));
  }

  @Test
  void touchedAverageEqualsAverageWhereEveryWorkerMovedEveryParameter() throws Exception {
    double[][] dense = {{0.1, -0.2, 0.3}, {0.7, 0.11, -0.13}, {1e-9, 3.0, 0.2}};
    assertThat(mergeOne(Merge.TOUCHED_AVERAGE, dense, 65_536)).containsExactly(mergeOne(Merge.AVERAGE, dense,
        65_536));
    // A worker that trained nothing in the round (its update is zero) is left out by both rules.
    double[][] withIdle = {dense[0], new double[3], dense[2]};
    List<ShardUpdate> in = shards(withIdle, 0, 65_536, false);
    in.set(1, new ShardUpdate("m", 1, 0, 0, 1, false, new double[3], trained(3, 1, 0)));
    assertThat(merge(Merge.TOUCHED_AVERAGE, 3, 3, 65_536, in, -1).get(0))
        .containsExactly(merge(Merge.AVERAGE, 3, 3, 65_536, in, -1).get(0))
        .containsExactly((0.1 + 1e-9) / 2, (-0.2 + 3.0) / 2, (0.3 + 0.2) / 2);
  }

  @Test
  void ruleOrdinalsStayAsCheckpointsStoreThem() {
    // The workers' and publishers' state stores the rule's ordinal (ParallelSlots): new rules go at the end.
    assertThat(Merge.values()).containsExactly(Merge.AVERAGE, Merge.DELTA_SUM, Merge.TOUCHED_AVERAGE,
        Merge.SUM_OVER_SQRT_N);
    assertThat(io.streamtrain.core.config.Types.names(Merge.class))
        .containsExactly("average", "delta_sum", "touched_average", "sum_over_sqrt_n");
  }

  @Test
  void oneWorkerIsItsOwnUpdateUnderEveryRule() throws Exception {
    double[][] one = {{0.0, 0.1, -0.3, 2.5}};
    for (Merge rule : Merge.values()) {
      assertThat(mergeOne(rule, one, 65_536)).as("%s", rule).containsExactly(one[0]);
    }
  }

  /** Random sparse updates of {@code workers} workers: most parameters moved by no worker or one. */
  static double[][] sparse(int workers, int size, long seed) {
    Random r = new Random(seed);
    double[][] u = new double[workers][size];
    for (double[] w : u) {
      for (int i = 0; i < size; i++) {
        w[i] = r.nextInt(3) == 0 ? r.nextGaussian() * 0.1 : 0.0;
      }
    }
    return u;
  }

  @Test
  void shardedEqualsUnshardedBitForBit() throws Exception {
    double[][] u = sparse(3, 23, 1);
    for (Merge rule : Merge.values()) {
      double[] whole = mergeOne(rule, u, 65_536);
      for (int shard : new int[] {1, 4, 7, 22, 23}) {
        assertThat(mergeOne(rule, u, shard)).as("%s in shards of %d", rule, shard).containsExactly(whole);
      }
    }
  }

  @Test
  void arrivalOrderAndRestoresChangeNoBit() throws Exception {
    // Two rounds of three workers, shards of 5: 30 shard updates, fed in random orders (a round may only complete
    // once its shards are all in), the combiners restored from their state at various points.
    double[][] r0 = sparse(3, 14, 2);
    double[][] r1 = sparse(3, 14, 3);
    List<ShardUpdate> inOrder = new ArrayList<>(shards(r0, 0, 5, false));
    inOrder.addAll(shards(r1, 1, 5, true));
    // By hand for one parameter: the round-0 mean over the workers that moved parameter 0.
    double sum = 0;
    int moved = 0;
    for (double[] w : r0) {
      sum += w[0];
      moved += w[0] != 0.0 ? 1 : 0;
    }
    assertThat(merge(Merge.TOUCHED_AVERAGE, 3, 14, 5, inOrder, -1).get(0)[0])
        .isEqualTo(moved > 1 ? sum / moved : sum);
    for (Merge rule : Merge.values()) {
      List<double[]> expected = merge(rule, 3, 14, 5, inOrder, -1);
      assertThat(expected).hasSize(2);
      Random order = new Random(4);
      for (int trial = 0; trial < 50; trial++) {
        List<ShardUpdate> shuffled = new ArrayList<>(inOrder);
        java.util.Collections.shuffle(shuffled, order);
        List<double[]> got = merge(rule, 3, 14, 5, shuffled, order.nextInt(shuffled.size()) + 1);
        assertThat(got).hasSize(2);
        for (int r = 0; r < 2; r++) {
          assertThat(Arrays.equals(got.get(r), expected.get(r))).as("%s trial %d round %d", rule, trial, r)
              .isTrue();
        }
      }
    }
  }

  /** Hashed-slot logistic model of 2^4 slots (bias last), SGD, batch 1, zero start. */
  static Map<String, Object> hashedSpec(double lr) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", Map.of("type", "logistic", "features", Map.of("hash_bits", 4), "init", "zeros"));
    m.put("optimizer", Map.of("type", "sgd", "lr", lr));
    m.put("batching", Map.of("batch_size", 1, "shuffle_capacity", 1, "seed", 5));
    return m;
  }

  static Example hashed(double label, int... slots) {
    Example e = new Example();
    for (int s : slots) {
      e.addHashed(s, 1.0, 4);
    }
    return e.setLabel(label).setModelId("m");
  }

  @Test
  void oneRoundOfSparseSgdEqualsTheClosedForm() throws Exception {
    // Three workers, one partition each, a round of one sample: each takes one SGD step (lr 0.3) from zero, on
    // slots {1, 2}, {2, 3}, {1, 2} with labels 1, 0, 1. At w = 0 a step moves each of its slots and the bias by
    // -0.3 (0.5 - y), so +0.15, -0.15, +0.15: slot 1 is moved by two workers, 2 by three, 3 by one.
    List<List<Example>> rows = List.of(List.of(hashed(1, 1, 2)), List.of(hashed(0, 2, 3)), List.of(hashed(1, 1, 2)));
    Map<Merge, double[]> expected = Map.of(
        Merge.TOUCHED_AVERAGE, new double[] {0.0, 0.15, 0.05, -0.15, 0.05},
        Merge.AVERAGE, new double[] {0.0, 0.1, 0.05, -0.05, 0.05},
        Merge.DELTA_SUM, new double[] {0.0, 0.3, 0.15, -0.15, 0.15},
        Merge.SUM_OVER_SQRT_N, new double[] {0.0, 0.17320508075688773, 0.08660254037844387, -0.08660254037844387,
            0.08660254037844387});
    for (Merge rule : Merge.values()) {
      InProcessRounds job = RoundWorkerTest.run(new ParallelConfig(3, 1, 0, rule, 65_536), hashedSpec(0.3),
          rows, 1, -1);
      double[] p = job.global().state.params;
      assertThat(p).hasSize(17);
      double[] e = expected.get(rule);
      double[] got = {p[0], p[1], p[2], p[3], p[16]};
      for (int i = 0; i < e.length; i++) {
        assertThat(got[i]).as("%s parameter %d", rule, i).isCloseTo(e[i], Offset.offset(1e-15));
      }
      for (int i = 4; i < 16; i++) {
        assertThat(p[i]).isEqualTo(0.0);
      }
    }
  }

  /** Per partition, hashed rows of three slots of 2^4 (slot 0 frequent, the rest rare), labels from a teacher. */
  static List<List<Example>> sparseStream(int partitions, int perPartition, long seed) {
    Random r = new Random(seed);
    double[] w = new double[16];
    for (int i = 0; i < w.length; i++) {
      w[i] = r.nextGaussian();
    }
    List<List<Example>> out = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      List<Example> rows = new ArrayList<>();
      for (int i = 0; i < perPartition; i++) {
        int a = r.nextInt(16);
        int b = r.nextInt(16);
        double z = w[0] + w[a] + w[b];
        rows.add(hashed(r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0, 0, a, b));
      }
      out.add(rows);
    }
    return out;
  }

  @Test
  void sparseJobsDoNotDependOnArrivalOrderDelaysOrRestores() throws Exception {
    List<List<Example>> rows = sparseStream(3, 401, 7);
    for (int staleness : new int[] {0, 1, 2}) {
      for (Merge rule : new Merge[] {Merge.TOUCHED_AVERAGE, Merge.SUM_OVER_SQRT_N}) {
        ParallelConfig par = new ParallelConfig(3, 5, staleness, rule, 6);
        InProcessRounds a = RoundWorkerTest.run(par, hashedSpec(0.2), rows, 1, -1);
        InProcessRounds b = RoundWorkerTest.run(par, hashedSpec(0.2), rows, 2, 517);
        assertThat(a.global().done()).isTrue();
        assertThat(a.global().state.samplesSeen).isEqualTo(1_203);
        assertThat(a.applied()).hasSize(81); // 80 rounds of 5 and a last of 1
        assertThat(b.global().state.params).as("%s D=%d", rule, staleness)
            .containsExactly(a.global().state.params);
        // Neither is average here: rounds of 5 samples on 16 slots leave many slots moved by one worker only.
        InProcessRounds avg = RoundWorkerTest.run(new ParallelConfig(3, 5, staleness, Merge.AVERAGE, 6),
            hashedSpec(0.2), rows, 1, -1);
        assertThat(Arrays.equals(avg.global().state.params, a.global().state.params)).isFalse();
      }
    }
  }

  @Test
  void onDenseRowsTouchedAverageIsAverageBitForBit() throws Exception {
    List<List<Example>> rows = RoundWorkerTest.stream(4, 500, 3);
    for (int staleness : new int[] {0, 1}) {
      InProcessRounds t = RoundWorkerTest.run(new ParallelConfig(4, 50, staleness, Merge.TOUCHED_AVERAGE, 3),
          RoundWorkerTest.spec("adam", 0.05, 8, 32), rows, 1, -1);
      InProcessRounds a = RoundWorkerTest.run(new ParallelConfig(4, 50, staleness, Merge.AVERAGE, 3),
          RoundWorkerTest.spec("adam", 0.05, 8, 32), rows, 1, -1);
      assertThat(t.global().state.params).containsExactly(a.global().state.params);
      assertThat(t.global().state.params[0]).isNotZero();
    }
  }

  @Test
  void oneWorkerTrainsTheSameUnderEveryRule() throws Exception {
    List<List<Example>> rows = sparseStream(2, 300, 9);
    double[] expected = RoundWorkerTest.run(new ParallelConfig(1, 40, 0, Merge.AVERAGE, 65_536), hashedSpec(0.2),
        rows, 1, -1).global().state.params;
    for (Merge rule : Merge.values()) {
      for (int staleness : new int[] {0, 1}) {
        assertThat(RoundWorkerTest.run(new ParallelConfig(1, 40, staleness, rule, 7), hashedSpec(0.2), rows, 3, 101)
            .global().state.params).as("%s D=%d", rule, staleness).containsExactly(expected);
      }
    }
  }
}
