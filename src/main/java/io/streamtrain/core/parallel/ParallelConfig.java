package io.streamtrain.core.parallel;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import java.io.Serializable;

/**
 * Data-parallel training of one model (the job spec's {@code parallel} section): {@code workers} trainers of the
 * same model, worker {@code w} owning the samples topic's partitions {@code p} with {@code p % workers == w}; a
 * round is {@code round_samples} samples of every owned partition; after each round a worker sends its update
 * (parameters now minus at the round's start), the updates of a round are combined in worker order
 * ({@code merge}: their mean over the workers that trained in the round, their sum, per parameter their mean
 * over the workers that moved it, or their sum over the square root of the number that trained) and every worker
 * applies merged round {@code r} before it starts round {@code r + 1 + staleness}. {@code workers: 1} (the default)
 * is the single trainer, unchanged. See docs/parallel.md.
 *
 * @param shardParameters parameters per merge shard: the updates travel and are combined in shards of this many
 *     parameters, one aggregator per shard, so a model of any size fits Kafka's record limits
 */
public record ParallelConfig(int workers, long roundSamples, int staleness, Merge merge, int shardParameters)
    implements Serializable {
  /** How a round's updates combine. */
  public enum Merge {
    /** The mean of the updates of the workers that trained in the round (local SGD with model averaging). */
    AVERAGE,
    /** Their sum (each worker's progress added in full; for small learning rates or few workers). */
    DELTA_SUM,
    /**
     * Per parameter, the mean of the updates of the workers that moved it (update not zero); a parameter no worker
     * moved stays. For sparse (hashed) models, where most parameters are moved by one or two workers of a round:
     * {@link #AVERAGE} would move them by 1/N of the only steps that saw them. Equals {@link #AVERAGE} where every
     * worker that trained moved the parameter.
     */
    TOUCHED_AVERAGE,
    /**
     * Their sum divided by the square root of the number of workers that trained in the round: for Adagrad, whose
     * accumulators stay local, so a worker's steps are about sqrt(N) times the single trainer's (its accumulators
     * hold about 1/N of the squared gradients); dividing the sum by sqrt(N) counts every sample's step once.
     * Declared last: state stores the ordinal.
     */
    SUM_OVER_SQRT_N
  }

  public static final ParallelConfig SINGLE = new ParallelConfig(1, 10_000, 0, Merge.AVERAGE, 65_536);
  public static final int MAX_STALENESS = 8;

  public ParallelConfig {
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be >= 1, got " + workers);
    }
    if (roundSamples < 1) {
      throw new IllegalArgumentException("round_samples must be >= 1, got " + roundSamples);
    }
    if (staleness < 0 || staleness > MAX_STALENESS) {
      throw new IllegalArgumentException("staleness must be 0.." + MAX_STALENESS + ", got " + staleness);
    }
    if (shardParameters < 1) {
      throw new IllegalArgumentException("shard_parameters must be >= 1, got " + shardParameters);
    }
  }

  public boolean enabled() {
    return workers > 1;
  }

  /** The worker that owns a partition of the samples topic. */
  public int workerOf(int partition) {
    return partition % workers;
  }

  /** The partitions of a {@code partitions}-partition topic that worker {@code w} owns, ascending. */
  public int[] partitionsOf(int w, int partitions) {
    int n = partitions <= w ? 0 : (partitions - 1 - w) / workers + 1;
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = w + i * workers;
    }
    return out;
  }

  /** How many merge shards a model of {@code params} parameters has (at least one). */
  public int shards(int params) {
    return Math.max(1, (int) ((params + (long) shardParameters - 1) / shardParameters));
  }

  /** The {@code parallel} section's keys. */
  public static final ConfigDef SPEC = new ConfigDef();
  static final Key<Integer> WORKERS = SPEC.define("workers", Types.INT, SINGLE.workers(),
      Validators.intRange(1, 1024), "");
  static final Key<Long> ROUND_SAMPLES = SPEC.define("round_samples", Types.LONG, SINGLE.roundSamples(),
      Validators.longAtLeast(1, "at least 1 (samples per partition)"), "");
  static final Key<Integer> STALENESS = SPEC.define("staleness", Types.INT, SINGLE.staleness(),
      Validators.intRange(0, MAX_STALENESS), "");
  static final Key<Merge> MERGE = SPEC.define("merge", Types.enumOf(Merge.class), SINGLE.merge(),
      "average \\| delta_sum \\| touched_average \\| sum_over_sqrt_n");
  static final Key<Integer> SHARD = SPEC.define("shard_parameters", Types.INT, SINGLE.shardParameters(),
      Validators.intRange(1, 1 << 20), "");

  /** Reads the spec's {@code parallel} section (absent: {@link #SINGLE}). */
  public static ParallelConfig fromSpec(SpecReader r) {
    return of(SPEC.parse(r));
  }

  public static ParallelConfig of(ConfigValues v) {
    return new ParallelConfig(v.get(WORKERS), v.get(ROUND_SAMPLES), v.get(STALENESS), v.get(MERGE), v.get(SHARD));
  }
}
