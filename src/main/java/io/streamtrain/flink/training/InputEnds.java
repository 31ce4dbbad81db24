package io.streamtrain.flink.training;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.JobID;

/**
 * Counts, per job, the source subtasks of a training job that have reached the end of a bounded input, for a
 * launcher that runs the job in its own JVM (the embedded MiniCluster of {@code streamtrain train --bounded}).
 * A bounded job with exactly-once sinks only finishes after one more checkpoint has completed (it commits the
 * last transactions), and Flink takes that checkpoint at the next periodic trigger, up to a whole checkpoint
 * interval after the input ended; the launcher watches this count and triggers that checkpoint at once. Only a
 * signal of when, never of what: a checkpoint triggered early or late changes no result. On a real cluster the
 * count stays in the TaskManager's JVM, where nobody reads it.
 */
public final class InputEnds {
  private static final Map<JobID, AtomicInteger> ENDED = new ConcurrentHashMap<>();

  private InputEnds() {}

  /** A source subtask of {@code job} has emitted everything of its bounded input. */
  static void sourceEnded(JobID job) {
    ENDED.computeIfAbsent(job, j -> new AtomicInteger()).incrementAndGet();
  }

  /** How many source subtasks of {@code job} have ended their input so far. */
  public static int ended(JobID job) {
    AtomicInteger n = ENDED.get(job);
    return n == null ? 0 : n.get();
  }

  /** Forgets {@code job} (the launcher calls it when the job is over). */
  public static void forget(JobID job) {
    ENDED.remove(job);
  }
}
