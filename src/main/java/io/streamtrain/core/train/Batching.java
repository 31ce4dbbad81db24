package io.streamtrain.core.train;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;

/**
 * How samples become mini-batches: batch size B, shuffle-buffer capacity K (a batch is drawn uniformly at random
 * from the K buffered samples), the seed of the draw, and an event-time idle gap after which a partial buffer is
 * flushed (0 = only at end of input). Keys: {@code batch_size} (default 32), {@code shuffle_capacity} (default
 * max(1024, B); must be &gt;= B; equal to B means no shuffling beyond the batch), {@code seed} (default 0),
 * {@code idle_gap_ms} (default 0).
 */
public record Batching(int batchSize, int shuffleCapacity, long seed, long idleGapMs) {
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

  public static Batching fromSpec(SpecReader r) {
    r.rejectUnknown("batch_size", "shuffle_capacity", "seed", "idle_gap_ms");
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
    return new Batching(b, k, seed, gap);
  }
}
