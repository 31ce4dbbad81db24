package io.streamtrain.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.deployment.executors.PipelineExecutorUtils;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

/**
 * What the embedded commands (train, serve) share to run a job in their MiniCluster: the job graph Flink's local
 * executor would submit, and the Ctrl-C hook that stops the job with a savepoint and prints how to resume.
 */
final class EmbeddedJob {
  private EmbeddedJob() {}

  /**
   * The MiniCluster's configuration for job {@code name}: heap state, checkpoints under {@code storage} (default
   * a directory under java.io.tmpdir), savepoints in {@code savepointDir}, a restore from {@code fromSavepoint}.
   */
  static Configuration configuration(String name, String storage, Path savepointDir, String fromSavepoint) {
    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, "hashmap");
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(CheckpointingOptions.FS_WRITE_BUFFER_SIZE, io.streamtrain.flink.training.TrainingJob.STATE_WRITE_BUFFER);
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, storage != null ? storage
        : Path.of(System.getProperty("java.io.tmpdir"), "streamtrain", name, "checkpoints").toUri().toString());
    if (savepointDir != null) {
      conf.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, savepointDir.toAbsolutePath().toUri().toString());
    }
    if (fromSavepoint != null) {
      conf.set(StateRecoveryOptions.SAVEPOINT_PATH, fromSavepoint);
    }
    return conf;
  }

  /** What env.executeAsync would submit to the MiniCluster it starts (Flink's LocalExecutor), named {@code name}. */
  static StreamGraph graph(StreamExecutionEnvironment env, Configuration conf, String name) throws Exception {
    Configuration effective = new Configuration(conf);
    effective.set(PipelineOptions.NAME, name);
    StreamGraph graph = PipelineExecutorUtils.getStreamGraph(env.getStreamGraph(), effective);
    graph.setJobName(name);
    graph.serializeUserDefinedInstances();
    return graph;
  }

  /**
   * A shutdown hook (registered) that stops {@code jobId} with a savepoint in {@code dir} and prints the resume
   * command {@code resume} gives for its path; {@code onStop} runs first (the job may end, and the main thread go
   * on, before the savepoint returns). A job that is not running yet (Ctrl-C while it initializes or deploys its
   * tasks, or restarts after a failure) cannot take a savepoint, and waiting does not help (Flink's own shutdown
   * hooks stop the cluster meanwhile): the hook then says that nothing was trained since the job (re)started and
   * that no savepoint was taken, instead of a bare failure.
   */
  static Thread stopWithSavepointOnExit(MiniCluster mc, JobID jobId, Path dir, PrintWriter out,
      Function<String, String> resume, Runnable onStop) {
    Thread hook = new Thread(() -> {
      onStop.run();
      try {
        String path = mc.stopWithSavepoint(jobId, dir.toAbsolutePath().toUri().toString(), false,
            SavepointFormatType.CANONICAL).get(2, TimeUnit.MINUTES);
        out.println("stopped with savepoint " + path);
        out.println("resume with: " + resume.apply(path));
        out.flush();
      } catch (Exception e) {
        System.err.println(notReadyYet(e)
            ? "streamtrain: stopped while the job was not running yet (starting, or restarting after a failure):"
                + " it trained nothing since it (re)started, so no savepoint was taken; rerun the command to start"
                + " again"
            : "streamtrain: stop with savepoint failed: " + e);
      }
    }, "stop-with-savepoint");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  /** How long the main thread waits for the stop hook once the job ended (the hook's savepoint wait, 2 min). */
  static final long STOP_WAIT_MS = 120_000;

  /**
   * Whether {@code e} is Flink refusing a savepoint because the job is not ready for one yet: its JobManager still
   * initializing, or not all of its tasks running.
   */
  static boolean notReadyYet(Throwable e) {
    return org.apache.flink.util.ExceptionUtils.findThrowable(e,
        org.apache.flink.runtime.dispatcher.UnavailableDispatcherOperationException.class).isPresent()
        || org.apache.flink.util.ExceptionUtils.findThrowable(e,
            org.apache.flink.runtime.checkpoint.CheckpointException.class)
        .map(c -> c.getCheckpointFailureReason()
            == org.apache.flink.runtime.checkpoint.CheckpointFailureReason.NOT_ALL_REQUIRED_TASKS_RUNNING)
        .orElse(false);
  }

  /**
   * A shutdown hook for the seconds before the job runs (the cluster starting, the graph being submitted): Ctrl-C
   * then ends the command before anything was trained, and says so instead of exiting silently. Remove it with
   * {@link #removeHook} once {@link #stopWithSavepointOnExit}'s hook is in place.
   */
  static Thread noteStopBeforeStart(PrintWriter err) {
    Thread hook = new Thread(() -> {
      err.println("streamtrain: stopped before the job was running: nothing was trained, so there is no savepoint;"
          + " rerun the command to start again");
      err.flush();
    }, "stop-before-start");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  /** Removes {@code hook} unless the JVM is already running it. */
  static void removeHook(Thread hook) {
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException ignored) {
        // already shutting down: the hook is running
      }
    }
  }
}
