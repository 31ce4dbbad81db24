package io.streamtrain.core.eval;

import io.streamtrain.core.data.Example;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.parallel.InProcessRounds;
import io.streamtrain.core.parallel.ParallelConfig;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.core.train.TrainingConfig;
import java.util.ArrayDeque;

/**
 * The training path of a data-parallel job, for {@link Prequential#parallel}: the job's workers, combiners and merged
 * model in this thread ({@link InProcessRounds}, the job's seeds), so the merged model ends on the job's parameters
 * bit for bit. Each sample is predicted by the worker that trains on it, just before it enters that worker's round
 * (a worker holds samples of a later partition until its round reaches them, so the prediction does not depend on
 * how the partitions interleave on arrival), and scored when the merged model applies that round, worker by worker
 * in worker order: the figures, windows included, do not depend on the interleaving either.
 */
final class ParallelPath {
  /** Scores a sample with the prediction at {@code pred[off .. off + k)}. */
  interface Scorer {
    void score(Example e, double[] pred, int off);
  }

  private final InProcessRounds rounds;
  private final Model model;
  private final Scorer scorer;
  private final double[] out;
  /** Per worker: its predicted samples not yet scored, and how many of them each of its rounds has (round, n). */
  private final PendingLabels[] predicted;
  private final ArrayDeque<long[]>[] perRound;
  private boolean ended;

  @SuppressWarnings("unchecked")
  ParallelPath(TrainingConfig config, String modelId, ParallelConfig par, int partitions, Scorer scorer) {
    this.scorer = scorer;
    this.rounds = new InProcessRounds(par, partitions, modelId, () -> new ModelTrainer(config),
        TrainingPath.shuffleSeed(config.batching().seed(), modelId), TrainingPath.SLOTS, null)
        .onTaken(this::taken).onApplied(this::applied);
    this.model = rounds.worker(0).trainer().model();
    this.out = new double[model.outputDim()];
    this.predicted = new PendingLabels[par.workers()];
    this.perRound = new ArrayDeque[par.workers()];
    for (int w = 0; w < predicted.length; w++) {
      predicted[w] = new PendingLabels(out.length);
      perRound[w] = new ArrayDeque<>();
    }
  }

  Model model() {
    return model;
  }

  /** The merged model's state (what the job's snapshots and reports carry). */
  TrainerState state() {
    return rounds.global().state;
  }

  void add(int partition, Example e) {
    rounds.sample(partition, e);
  }

  /** End of input: the workers train what they hold, the last rounds merge, every prediction is scored. */
  void end() {
    if (!ended) {
      ended = true;
      rounds.endOfInput();
    }
  }

  private void taken(int worker, long round, Example e, TrainerState s) {
    model.predict(s.params, s.buffers, e, out);
    predicted[worker].add(e, out);
    long[] last = perRound[worker].peekLast();
    if (last != null && last[0] == round) {
      last[1]++;
    } else {
      perRound[worker].add(new long[] {round, 1});
    }
  }

  private void applied(long round) {
    for (int w = 0; w < predicted.length; w++) {
      long[] head = perRound[w].peekFirst();
      if (head == null || head[0] != round) {
        continue;
      }
      perRound[w].pollFirst();
      PendingLabels p = predicted[w];
      for (long i = 0; i < head[1]; i++) {
        scorer.score(p.head(), p.predictions(), p.headOffset());
        p.removeHead();
      }
    }
  }
}
