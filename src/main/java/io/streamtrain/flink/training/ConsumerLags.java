package io.streamtrain.flink.training;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The batcher's view of consumer lag: per model id, the latest lag each source reader reported in its lag
 * markers, and their sum, which travels to the trainer with the model's next batch. A model's figure is the lag
 * of the readers that have read its samples (for one model, the whole topic's). Deliberately not Flink state:
 * the figure is informational, refreshed every second, and one from before a restart would be stale, so after a
 * restore a model's lag is unknown (-1) until the next marker. Nothing here feeds batching, seeds or timers.
 */
final class ConsumerLags {
  private final Map<String, long[]> bySource = new HashMap<>();

  /** Reader {@code source} reported {@code lag} for {@code modelId}. */
  void update(String modelId, int source, long lag) {
    long[] l = bySource.get(modelId);
    if (l == null || source >= l.length) {
      long[] n = new long[Math.max(source + 1, l == null ? 1 : l.length * 2)];
      Arrays.fill(n, -1);
      if (l != null) {
        System.arraycopy(l, 0, n, 0, l.length);
      }
      l = n;
      bySource.put(modelId, l);
    }
    l[source] = lag;
  }

  /** Sum of the latest lag of every reader that reported for {@code modelId}; -1 when none has. */
  long total(String modelId) {
    long[] l = bySource.get(modelId);
    if (l == null) {
      return -1;
    }
    long sum = -1;
    for (long v : l) {
      if (v >= 0) {
        sum = (sum < 0 ? 0 : sum) + v;
      }
    }
    return sum;
  }
}
