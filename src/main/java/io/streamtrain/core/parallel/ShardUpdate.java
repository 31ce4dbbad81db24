package io.streamtrain.core.parallel;

/**
 * One shard of a round's update: from a worker ({@code worker >= 0}: its parameters at the round's end minus at
 * its start) or merged ({@code worker == -1}: the round's combined update). Shard {@code s} covers parameters
 * {@code [s * shardParameters, min(size, (s + 1) * shardParameters))}. {@code last}: the worker's final round (its
 * input has ended), or for a merged shard, the model's final round (every worker has ended). A worker's statistics ride
 * on each of its shards (every combiner needs the sample count); a merged round's on shard 0 only.
 */
public record ShardUpdate(String modelId, int worker, long round, int shard, int shards, boolean last,
    double[] values, RoundStats stats) {
  public boolean merged() {
    return worker < 0;
  }
}
