package io.streamtrain.core.train;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;

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

  public static Batching fromSpec(SpecReader r) {
    r.rejectUnknown("batch_size", "shuffle_capacity", "seed", "idle_gap_ms", "shuffle_grow");
    int b = r.getInt("batch_size", 32, 1, MAX_BATCH);
    int k = r.getInt("shuffle_capacity", Math.max(1024, b), 1, MAX_CAPACITY);
    if (k < b) {
      throw new SpecException(r.key("shuffle_capacity"), k, "allowed: an integer >= batch_size (" + b + ")");
    }
    long seed = r.getLong("seed", 0L);
    long gap = r.getLong("idle_gap_ms", 0L);
    if (gap < 0) {
      throw new SpecException(r.key("idle_gap_ms"), gap, "allowed: 0 (off) or a positive number of milliseconds");
    }
    return new Batching(b, k, seed, gap, r.getBoolean("shuffle_grow", false));
  }
}
