package io.streamtrain.core.parallel;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.eval.Prequential;
import io.streamtrain.core.metric.MetricsSpec;
import io.streamtrain.core.train.TrainingConfig;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Replay of a data-parallel job ({@link Prequential#parallel}): its merged model is the job's (the rounds run with
 * merges delivered late, as through Kafka), bit for bit, whatever the order in which the partitions interleave;
 * its figures do not depend on that order either; every sample is scored once, by the worker that trains it.
 */
class ParallelPrequentialTest {
  static final int PARTITIONS = 4;

  static Prequential replay(ParallelConfig par, Map<String, Object> spec, List<List<Example>> rows, long orderSeed) {
    TrainingConfig config = TrainingConfig.fromSpec(new SpecReader("", spec));
    Prequential p = Prequential.parallel("c", "m", config, par, rows.size(), MetricsSpec.DEFAULT, pt -> { });
    Random order = new Random(orderSeed);
    int[] next = new int[rows.size()];
    int total = rows.stream().mapToInt(List::size).sum();
    for (int fed = 0; fed < total; ) {
      int q = order.nextInt(rows.size());
      if (next[q] < rows.get(q).size()) {
        p.accept(rows.get(q).get(next[q]++), q);
        fed++;
      }
    }
    p.finish();
    return p;
  }

  @Test
  void theMergedModelIsTheJobsWhateverTheInterleaving() throws Exception {
    List<List<Example>> rows = RoundWorkerTest.stream(PARTITIONS, 1_500, 21);
    Map<String, Object> spec = RoundWorkerTest.spec("adam", 0.05, 8, 32);
    for (int staleness : new int[] {0, 1}) {
      ParallelConfig par = new ParallelConfig(2, 200, staleness, ParallelConfig.Merge.AVERAGE, 3);
      InProcessRounds job = RoundWorkerTest.run(par, spec, rows, 5, -1);
      Prequential a = replay(par, spec, rows, 1);
      Prequential b = replay(par, spec, rows, 2);
      assertThat(a.params()).as("staleness %d", staleness).containsExactly(job.global().state.params);
      assertThat(b.params()).containsExactly(job.global().state.params);
      assertThat(a.state().step).isEqualTo(job.global().state.step).isPositive();
      assertThat(a.state().samplesSeen).isEqualTo(6_000);
      assertThat(a.evaluation().samples()).isEqualTo(6_000);
      double[] fa = new double[a.evaluation().size()];
      double[] fb = new double[b.evaluation().size()];
      a.evaluation().values(fa);
      b.evaluation().values(fb);
      assertThat(fa).containsExactly(fb);
      int logLoss = List.of(a.evaluation().names()).indexOf("log_loss");
      // It learned: the progressive log loss is well below log 2 = 0.693 of the zero-initialized start.
      assertThat(fa[logLoss]).isLessThan(0.6);
    }
  }

  @Test
  void eachSampleIsPredictedByTheWorkerThatTrainsIt() {
    // Round of 1 sample, batch 1, SGD: a worker's model changes after each of its samples, so predicting with the
    // other worker's (or the merged) model would give other figures than predicting with the trainer's own.
    List<List<Example>> rows = RoundWorkerTest.stream(2, 50, 3);
    Map<String, Object> spec = RoundWorkerTest.spec("sgd", 0.5, 1, 1);
    ParallelConfig par = new ParallelConfig(2, 1, 0, ParallelConfig.Merge.AVERAGE, 65_536);
    Prequential p = replay(par, spec, rows, 7);
    // By hand: with staleness 0 both workers start round r from the same merged model G(r); worker w's sample r
    // is predicted by G(r), and G(r+1) = G(r) + mean of the two one-step SGD updates.
    double[] g = new double[RoundWorkerTest.DIMS + 1];
    double loss = 0;
    for (int r = 0; r < 50; r++) {
      double[] next = g.clone();
      for (int w = 0; w < 2; w++) {
        Example e = rows.get(w).get(r);
        double z = g[RoundWorkerTest.DIMS];
        for (int j = 0; j < RoundWorkerTest.DIMS; j++) {
          z += g[j] * e.denseValues()[j];
        }
        double q = 1 / (1 + Math.exp(-z));
        loss += -(e.label() * Math.log(q) + (1 - e.label()) * Math.log(1 - q));
        for (int j = 0; j <= RoundWorkerTest.DIMS; j++) {
          double x = j == RoundWorkerTest.DIMS ? 1 : e.denseValues()[j];
          next[j] -= 0.5 * 0.5 * (q - e.label()) * x;
        }
      }
      g = next;
    }
    double[] f = new double[p.evaluation().size()];
    p.evaluation().values(f);
    assertThat(f[List.of(p.evaluation().names()).indexOf("log_loss")]).isCloseTo(loss / 100,
        org.assertj.core.data.Offset.offset(1e-12));
  }
}
