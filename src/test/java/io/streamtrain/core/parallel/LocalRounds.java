package io.streamtrain.core.parallel;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.eval.Prequential;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainingConfig;
import io.streamtrain.core.data.ExampleCodec;
import java.util.Map;

/**
 * A data-parallel job of model "m" in one thread for tests ({@link InProcessRounds}), with merged rounds delivered
 * to the workers after a random delay (the Kafka loop's latency), so tests can vary arrival orders and delays and
 * check that the results do not change; the workers' buffers serialize with the job's codec, so
 * {@link InProcessRounds#restore} goes through the job's binary state.
 */
public final class LocalRounds {
  private LocalRounds() {}

  public static InProcessRounds of(ParallelConfig par, int partitions, Map<String, Object> spec, long delaySeed) {
    return new InProcessRounds(par, partitions, "m",
        () -> new ModelTrainer(TrainingConfig.fromSpec(new SpecReader("", spec))), modelSeed(spec),
        ExampleCodec.INSTANCE, delaySeed);
  }

  /** The shuffle seed of model "m"'s single trainer under {@code spec}, which the job's workers derive theirs from. */
  public static long modelSeed(Map<String, Object> spec) {
    return Prequential.shuffleSeed(TrainingConfig.fromSpec(new SpecReader("", spec)).batching().seed(), "m");
  }
}
