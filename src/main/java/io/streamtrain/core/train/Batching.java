package io.streamtrain.core.train;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;

/**
 * How samples become mini-batches: batch size B, shuffle-buffer capacity K (a batch is drawn uniformly at random
 * from the K buffered samples), the seed of the draw, and an event-time idle gap after which a partial buffer is
 * flushed (0 = only at end of input). Keys: {@code batch_size} (default 32), {@code shuffle_capacity} (default
 * max(1024, B); must be &gt;= B; equal to B means no shuffling beyond the batch), {@code seed} (default 0),
 * {@code idle_gap_ms} (default 0), {@code shuffle_grow} (default false).
 *
 * <p>A growing buffer ({@code shuffle_grow: true}) starts small and grows to its capacity: a batch is drawn when the
 * buffer holds {@link #fill} samples, {@code max(B, min(K, n / 2))} after n samples were added, so the first step
 * comes after B samples instead of K, and until the buffer is full it holds the most recent half of everything
 * seen (a step every 2B samples). The price is weaker decorrelation early on: the first batches mix only the first
 * few dozen samples, so a stream sorted by class still needs shuffling upstream ({@code produce --shuffle}).
 */
public record Batching(int batchSize, int shuffleCapacity, long seed, long idleGapMs, boolean shuffleGrow) {
  public static final int MAX_BATCH = 1 << 16;
  public static final int MAX_CAPACITY = 1 << 22;

  public Batching {
    if (batchSize < 1 || batchSize > MAX_BATCH) {
      throw new IllegalArgumentException("batch_size must be in [1, " + MAX_BATCH + "], got " + batchSize);
    }
    if (shuffleCapacity < batchSize || shuffleCapacity > MAX_CAPACITY) {
      throw new IllegalArgumentException(
          "shuffle_capacity must be in [batch_size, " + MAX_CAPACITY + "], got " + shuffleCapacity);
    }
    if (idleGapMs < 0) {
      throw new IllegalArgumentException("idle_gap_ms must be >= 0, got " + idleGapMs);
    }
  }

  /** A fixed-capacity buffer (no growth). */
  public Batching(int batchSize, int shuffleCapacity, long seed, long idleGapMs) {
    this(batchSize, shuffleCapacity, seed, idleGapMs, false);
  }

  /**
   * The buffer size at which a batch of B is drawn once {@code added} samples have entered the buffer: K, or with
   * growth {@code max(B, min(K, added / 2))}.
   */
  public int fill(long added) {
    if (!shuffleGrow) {
      return shuffleCapacity;
    }
    return (int) Math.max(batchSize, Math.min(shuffleCapacity, added / 2));
  }

  /** The {@code batching} section's keys. */
  public static final ConfigDef SPEC = new ConfigDef();
  static final Key<Integer> BATCH_SIZE = SPEC.define("batch_size", Types.INT, 32, Validators.intRange(1, MAX_BATCH),
      "");
  static final Key<Integer> SHUFFLE_CAPACITY = SPEC.computed("shuffle_capacity", Types.INT, "max(1024, B)",
      Validators.intRange(1, MAX_CAPACITY), "");
  static final Key<Long> SEED = SPEC.define("seed", Types.LONG, 0L, "");
  static final Key<Long> IDLE_GAP_MS = SPEC.define("idle_gap_ms", Types.LONG, 0L,
      Validators.longAtLeast(0, "0 (off) or a positive number of milliseconds"), "({default} = flush only at end of"
          + " input). The capacity K is a trade-off: a batch is drawn from the last K samples, so a larger K"
          + " decorrelates batches better (a stream sorted by class or drifting in bursts still gives mixed batches),"
          + " but the first step waits for K samples and every sample waits about K / B draws before it is trained"
          + " on. With the default 1024, a file of a few thousand rows loses its first 1024 samples of progressive"
          + " accuracy to an untrained model (2-7 points on files of 5k-60k rows); for small files choose K of a few"
          + " batches (e.g. 64) and send them with `produce --shuffle` if they are sorted by class");
  static final Key<Boolean> SHUFFLE_GROW = SPEC.define("shuffle_grow", Types.BOOLEAN, false, "({default}): true lets"
      + " the buffer start small and grow to K: a batch is drawn when it holds max(B, min(K, n/2)) after n samples,"
      + " so the first step comes after B samples and until the buffer is full it mixes the most recent half of"
      + " everything seen (a step every 2B samples); early batches then mix only the first samples, so a file"
      + " sorted by class still needs `--shuffle` (measured on `jobs/replay/breast-cancer-file.yaml` with"
      + " `shuffle_grow: true` added: prequential accuracy over the training passes 0.95-0.96 instead of 0.93-0.94,"
      + " test accuracy 0.965-0.98 either way). Replays mirror it, and the batcher's state records how far it has"
      + " grown (a state from before this option reads as fully grown)");

  /** The batching of {@code r}'s section (every key defaulted when absent). */
  public static Batching fromSpec(SpecReader r) {
    return of(SPEC.parse(r));
  }

  static Batching of(ConfigValues v) {
    int b = v.get(BATCH_SIZE);
    int k = v.get(SHUFFLE_CAPACITY, Math.max(1024, b));
    if (k < b) {
      throw new SpecException(v.path(SHUFFLE_CAPACITY), k, "allowed: an integer >= batch_size (" + b + ")");
    }
    return new Batching(b, k, v.get(SEED), v.get(IDLE_GAP_MS), v.get(SHUFFLE_GROW));
  }
}
