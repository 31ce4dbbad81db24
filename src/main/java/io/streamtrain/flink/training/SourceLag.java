package io.streamtrain.flink.training;

import java.util.Arrays;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far one source reader is behind the end of the samples topic, measured in the validate subtask chained to
 * it: the record path notes the next offset of every partition it reads ({@link #consumed}: two array writes, no
 * allocation, no lock), and a probe thread asks for the partitions' end offsets at most once per interval
 * (processing time). When a new answer is in, {@link #hasNewFigure()} turns true on the record path and {@link
 * #lag()} gives sum over the partitions read of max(0, end offset - next offset): records (offsets) written but
 * not yet read by this reader. The query runs off the record path, so a slow or unreachable broker never stalls
 * the stream; it only delays the figure. Partitions this reader has not read a record of since it started are
 * not counted (their lag is unknown to it); Flink's own {@code pendingRecords} source metric is the per-reader
 * counterpart that the connector computes from its consumer.
 */
public final class SourceLag implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SourceLag.class);

  private final EndOffsets endOffsets;
  private final int subtask;
  private final long intervalMs;

  // Record path (the task thread) only.
  private long[] next = new long[4];
  private boolean[] seen = new boolean[4];
  private int seenVersion;

  // Written by one thread, read by the other.
  private volatile int[] partitions = new int[0];
  private volatile long[] ends = new long[0];
  private volatile int version;

  // Probe thread only.
  private EndOffsets.Reader reader;
  private boolean failing;
  private ScheduledExecutorService probe;

  public SourceLag(EndOffsets endOffsets, int subtask, long intervalMs) {
    if (intervalMs < 1) {
      throw new IllegalArgumentException("lag probe interval must be >= 1 ms, was " + intervalMs);
    }
    this.endOffsets = endOffsets;
    this.subtask = subtask;
    this.intervalMs = intervalMs;
  }

  /** Starts the probe thread (a daemon): one end-offset query per interval, the first right away. */
  public SourceLag start() {
    ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "streamtrain-lag-probe-" + subtask);
      t.setDaemon(true);
      return t;
    });
    ex.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    probe = ex;
    probe.scheduleWithFixedDelay(this::refreshQuietly, 0, intervalMs, TimeUnit.MILLISECONDS);
    return this;
  }

  /** The record at {@code offset} of {@code partition} has been read (task thread). */
  public void consumed(int partition, long offset) {
    if (partition < 0) {
      return;
    }
    if (partition >= next.length) {
      int n = Math.max(partition + 1, next.length * 2);
      next = Arrays.copyOf(next, n);
      seen = Arrays.copyOf(seen, n);
    }
    if (!seen[partition]) {
      seen[partition] = true;
      publishPartitions();
    }
    next[partition] = offset + 1;
  }

  private void publishPartitions() {
    int n = 0;
    for (boolean s : seen) {
      n += s ? 1 : 0;
    }
    int[] p = new int[n];
    for (int i = 0, k = 0; i < seen.length; i++) {
      if (seen[i]) {
        p[k++] = i;
      }
    }
    partitions = p;
  }

  /** True once per end-offset answer that arrived since the last {@link #lag()} (task thread; one volatile read). */
  public boolean hasNewFigure() {
    return version != seenVersion;
  }

  /**
   * This reader's lag now: sum over its partitions of max(0, end - next), with the latest end offsets (partitions
   * without an answer yet count 0). Marks the current answer as used (task thread).
   */
  public long lag() {
    return Math.max(0, lagByWorker(1)[0]);
  }

  /**
   * Like {@link #lag()}, split by the data-parallel worker that owns each partition ({@code p % workers}): entry
   * w is the lag of the partitions of worker w this reader reads, -1 when it reads none of them (their lag is
   * another reader's). Marks the current answer as used (task thread; once per answer, so the array is not kept).
   */
  public long[] lagByWorker(int workers) {
    seenVersion = version;
    long[] e = ends;
    long[] sum = new long[workers];
    Arrays.fill(sum, -1);
    for (int p = 0; p < seen.length; p++) {
      if (seen[p]) {
        int w = p % workers;
        long l = p < e.length && e[p] >= 0 ? Math.max(0, e[p] - next[p]) : 0;
        sum[w] = Math.max(sum[w], 0) + l;
      }
    }
    return sum;
  }

  /** One end-offset query for the partitions read so far (probe thread; tests call it directly). */
  void refresh() throws Exception {
    int[] parts = partitions;
    if (parts.length == 0) {
      return;
    }
    if (reader == null) {
      reader = endOffsets.open(subtask);
    }
    long[] got = reader.endOffsets(parts);
    long[] byPartition = new long[parts[parts.length - 1] + 1];
    Arrays.fill(byPartition, -1);
    for (int i = 0; i < parts.length; i++) {
      byPartition[parts[i]] = got[i];
    }
    ends = byPartition;
    version = version + 1; // single writer: the probe thread
  }

  private void refreshQuietly() {
    try {
      refresh();
      if (failing) {
        LOG.info("consumer lag probe of subtask {} works again", subtask);
        failing = false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception | LinkageError e) {
      // Informational figure: a failed probe only delays it. Log once per streak of failures, not every second.
      if (!failing) {
        LOG.warn("consumer lag probe of subtask {} failed (consumer_lag stays at its last value): {}", subtask,
            e.toString());
        failing = true;
      }
    }
  }

  @Override
  public void close() {
    if (probe != null) {
      probe.shutdownNow();
      try {
        probe.awaitTermination(15, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      probe = null;
    }
    if (reader != null) {
      reader.close();
      reader = null;
    }
  }
}
