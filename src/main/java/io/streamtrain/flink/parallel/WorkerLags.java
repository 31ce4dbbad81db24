package io.streamtrain.flink.parallel;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The publisher's view of a data-parallel model's consumer lag: the latest figure of every (worker, source reader)
 * pair ({@link SourceNote}), and per worker the sum over its readers. Operator memory, not state, as the single
 * trainer's {@code consumer_lag}: informational, refreshed every lag interval, unknown after a restore until the
 * next figure. Nothing here feeds training.
 */
final class WorkerLags {
  private final int workers;
  private final Map<String, long[][]> byModel = new HashMap<>();

  WorkerLags(int workers) {
    this.workers = workers;
  }

  void update(SourceNote l) {
    if (l.worker() < 0 || l.worker() >= workers || l.reader() < 0) {
      return;
    }
    long[][] m = byModel.computeIfAbsent(l.modelId(), k -> new long[workers][0]);
    long[] byReader = m[l.worker()];
    if (l.reader() >= byReader.length) {
      int n = byReader.length;
      byReader = Arrays.copyOf(byReader, l.reader() + 1);
      Arrays.fill(byReader, n, byReader.length, -1);
      m[l.worker()] = byReader;
    }
    byReader[l.reader()] = l.lag();
  }

  /** Per worker, the sum of its readers' latest figures (-1: none yet). */
  long[] byWorker(String modelId) {
    long[] out = new long[workers];
    Arrays.fill(out, -1);
    long[][] m = byModel.get(modelId);
    for (int w = 0; m != null && w < workers; w++) {
      for (long v : m[w]) {
        if (v >= 0) {
          out[w] = Math.max(out[w], 0) + v;
        }
      }
    }
    return out;
  }

  /** The sum over workers with a figure (-1: none has one). */
  static long total(long[] byWorker) {
    long sum = -1;
    for (long v : byWorker) {
      if (v >= 0) {
        sum = Math.max(sum, 0) + v;
      }
    }
    return sum;
  }

  /** "[12, n/a]": per worker, n/a without a figure. */
  static String text(long[] byWorker) {
    StringBuilder b = new StringBuilder("[");
    for (int w = 0; w < byWorker.length; w++) {
      b.append(w == 0 ? "" : ", ").append(byWorker[w] < 0 ? "n/a" : Long.toString(byWorker[w]));
    }
    return b.append(']').toString();
  }
}
