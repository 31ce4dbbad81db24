package io.streamtrain.cli;

import io.streamtrain.flink.RestSubmitter;
import io.streamtrain.flink.training.KafkaTrainingIo;
import io.streamtrain.flink.training.TrainingJob;
import io.streamtrain.flink.training.TrainingJobMain;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.Topics;
import io.streamtrain.job.JobSpec;
import io.streamtrain.job.JobSpecFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.minicluster.RpcServiceSharing;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code streamtrain train jobs/X.yaml}: validates the spec, creates missing topics, and runs the training job in
 * an embedded Flink MiniCluster against the configured brokers, or with {@code --cluster HOST:PORT} submits the
 * job jar to a running Flink cluster over REST. With {@code --savepoint-dir}, Ctrl-C stops the job with a
 * savepoint and prints the command that resumes from it (with the options this run was given). A bounded run ends
 * with a per-model summary read back from the job's output topics, and exits 1 when a model (or the whole run)
 * trained on no sample, saying why.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Run a training job (jobs/*.yaml) in an embedded Flink MiniCluster or on a Flink cluster.")
public final class TrainCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SPEC", description = "Job spec (YAML), e.g. jobs/logistic-hashed-adam.yaml")
  Path specFile;


  @Mixin KafkaOptions kafkaOptions;

  @Mixin JobLaunchOptions launch;

  @Option(names = "--bounded", description = "Stop at the end offsets current at start (overrides source.bounded)")
  boolean bounded;

  @Option(names = "--prometheus-port", paramLabel = "PORT",
      description = "Serve the job's metrics for Prometheus at http://localhost:PORT/metrics (embedded mode; a "
          + "cluster configures Flink's Prometheus reporter itself, see docker/compose.yaml)")
  Integer prometheusPort;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec command;

  private volatile boolean stoppedWithSavepoint;

  @Override
  public Integer call() throws Exception {
    JobSpec spec = JobSpecFiles.load(specFile);
    if (bounded) {
      Map<String, Object> raw = JobSpecFiles.copy(spec.raw());
      @SuppressWarnings("unchecked")
      Map<String, Object> source = raw.get("source") instanceof Map<?, ?> m
          ? new java.util.LinkedHashMap<>((Map<String, Object>) m) : new java.util.LinkedHashMap<>();
      source.put("bounded", true);
      raw.put("source", source);
      spec = JobSpec.fromMap(raw);
    }
    KafkaSettings kafka = kafkaOptions.settings();
    checkSavepointPath(launch.fromSavepoint);
    if (launch.fromSavepoint != null && spec.bounded()) {
      // A restored Kafka source keeps the stopping offsets of the job that wrote the savepoint and is never told
      // its input has ended: a bounded resume would wait forever after its last record (checked by hand, both for
      // savepoints of bounded and of unbounded runs).
      throw new CliException((bounded ? "--bounded" : "source.bounded: true in " + specFile) + " with "
          + "--from-savepoint: a run resumed from a savepoint cannot end by itself (the restored Kafka source never "
          + "learns that its input has ended, so the run would wait forever after its last record). Resume it as "
          + "a live run (without --bounded" + (bounded ? "" : ", with source.bounded: false") + ") and stop it "
          + "with Ctrl-C once consumer_lag reaches 0 (bin/streamtrain watch), or start a fresh bounded run");
    }
    BrokerCheck.require(kafka);
    if (launch.cluster != null) {
      ensureTopics(spec, kafka);
      return submit(spec, kafka);
    }
    // The MiniCluster needs neither the broker nor the job: it starts (1.3-3 s of the command's fixed cost, see
    // docs/benchmarks.md) while this thread checks the topics and builds the job graph.
    Configuration conf = embeddedConfiguration(spec);
    CompletableFuture<MiniCluster> miniCluster = startMiniCluster(conf, spec.parallelism());
    try {
      ensureTopics(spec, kafka);
      return runEmbedded(spec, kafka, conf, miniCluster);
    } finally {
      miniCluster.thenAccept(TrainCommand::close);
    }
  }

  static void ensureTopics(JobSpec spec, KafkaSettings kafka) {
    JobSpec.Topics t = spec.topics();
    try (Admin admin = Admin.create(kafka.toProperties(Map.of()))) {
      List<Topics.TopicSpec> all = new java.util.ArrayList<>(List.of(Topics.TopicSpec.of(t.samples(), t.partitions()),
          Topics.TopicSpec.of(t.metrics(), t.partitions()), Topics.TopicSpec.compacted(t.models(), t.partitions()),
          Topics.TopicSpec.of(t.rejected(), t.partitions())));
      if (spec.input().labels() != null) {
        // A missing labels topic would let the features' watermark alone decide: every sample a negative.
        all.add(Topics.TopicSpec.of(spec.input().labels().topic(), t.partitions()));
      }
      for (Topics.TopicSpec ts : all) {
        // An existing topic is used as it is, whatever its partition count: a job reads and writes any layout.
        if (Topics.describe(admin, ts.name()).isEmpty()) {
          Topics.ensure(admin, ts);
        }
      }
    }
  }

  private Configuration embeddedConfiguration(JobSpec spec) {
    Configuration conf = EmbeddedJob.configuration(spec.name(), spec.checkpointStorage(), launch.savepointDir,
        launch.fromSavepoint);
    if (prometheusPort != null) {
      prometheus(conf, prometheusPort);
    }
    return conf;
  }

  /** Flink's Prometheus reporter on {@code port} (0: any free port; the log names it). */
  static void prometheus(Configuration conf, int port) {
    if (port < 0 || port > 65535) {
      throw new CliException("--prometheus-port: " + port + " is not a port (0-65535)");
    }
    conf.setString("metrics.reporter.prom.factory.class",
        "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
    conf.setString("metrics.reporter.prom.port", String.valueOf(port));
  }

  /**
   * Starts the MiniCluster the way Flink's local executor does for one job (its configuration, one TaskManager
   * with a slot per parallel subtask, a REST endpoint on a free port), on a thread of its own.
   */
  static CompletableFuture<MiniCluster> startMiniCluster(Configuration jobConf, int parallelism) {
    Configuration conf = new Configuration(jobConf);
    if (!conf.contains(RestOptions.BIND_PORT)) {
      conf.set(RestOptions.BIND_PORT, "0");
    }
    int taskManagers = conf.get(TaskManagerOptions.MINI_CLUSTER_NUM_TASK_MANAGERS);
    int slots = conf.getOptional(TaskManagerOptions.NUM_TASK_SLOTS)
        .orElse(Math.max(1, (parallelism + taskManagers - 1) / taskManagers));
    MiniClusterConfiguration mc = new MiniClusterConfiguration.Builder()
        .setConfiguration(conf)
        .setNumTaskManagers(taskManagers)
        .setNumSlotsPerTaskManager(slots)
        .setRpcServiceSharing(RpcServiceSharing.SHARED)
        .build();
    CompletableFuture<MiniCluster> started = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        MiniCluster c = new MiniCluster(mc);
        c.start();
        started.complete(c);
      } catch (Throwable e) {
        started.completeExceptionally(e);
      }
    }, "minicluster-start");
    t.setDaemon(true);
    t.start();
    return started;
  }

  private static void close(MiniCluster c) {
    try {
      c.closeAsync().get(1, TimeUnit.MINUTES);
    } catch (Exception e) {
      System.err.println("streamtrain: closing the embedded Flink cluster: " + e);
    }
  }

  private int runEmbedded(JobSpec spec, KafkaSettings kafka, Configuration conf,
      CompletableFuture<MiniCluster> miniCluster) throws Exception {
    java.io.PrintWriter out = command.commandLine().getOut();
    java.io.PrintWriter err = command.commandLine().getErr();
    // Ctrl-C before the job runs ends the command with a note; once it runs, with a savepoint.
    Thread early = launch.savepointDir == null ? null : EmbeddedJob.noteStopBeforeStart(err);
    JobSpec.Topics t = spec.topics();
    Map<org.apache.kafka.common.TopicPartition, Long> before;
    MiniCluster mc;
    JobID jobId;
    Thread hook;
    try {
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(spec.parallelism(), conf);
      TrainingJob.configure(env, spec);
      KafkaTrainingIo.job(spec, kafka).build(env);
      // Where the output topics end now: the summary reads only what this run adds after it.
      before = spec.bounded()
          ? RunSummary.endOffsets(kafka, List.of(t.metrics(), t.models(), t.rejected())) : Map.of();
      // Submitted to the MiniCluster already starting, as Flink's local executor would submit it to its own.
      StreamGraph graph = EmbeddedJob.graph(env, conf, "streamtrain-train-" + spec.name());
      err.println("streamtrain: training '" + spec.name() + "' from topic " + spec.topics().samples() + " on "
          + kafka.bootstrapServers() + " (embedded Flink, parallelism " + spec.parallelism() + ")");
      err.flush();
      mc = miniCluster.get();
      jobId = mc.submitJob(graph).get().getJobID();
      hook = launch.savepointDir == null ? null : EmbeddedJob.stopWithSavepointOnExit(mc, jobId,
          launch.savepointDir, out, this::resumeCommand, () -> stoppedWithSavepoint = true);
    } finally {
      EmbeddedJob.removeHook(early);
    }
    JobResult result = mc.requestJobResult(jobId).get();
    if (stoppedWithSavepoint) {
      // The job ended because the hook stopped it: let the hook hear the savepoint's path before the cluster closes.
      hook.join(EmbeddedJob.STOP_WAIT_MS);
    }
    // The cluster shuts down while the summary is read, as it did under Flink's own executor (closing is idempotent).
    mc.closeAsync();
    result.toJobExecutionResult(TrainCommand.class.getClassLoader());
    EmbeddedJob.removeHook(hook);
    if (stoppedWithSavepoint) {
      return 0; // Ctrl-C: the hook printed the savepoint and the resume command; the JVM is exiting
    }
    if (!spec.bounded()) {
      out.println("training job '" + spec.name() + "' finished");
      return 0;
    }
    RunSummary summary = RunSummary.read(kafka, t.metrics(), t.models(), t.rejected(), before);
    out.print(summary.table());
    out.flush();
    if (summary.models().isEmpty()) {
      err.println("error: training job '" + spec.name() + "' read no sample: topic " + t.samples()
          + (summary.undecodable().isEmpty() ? " had nothing to read (is it the topic produce wrote to?)"
              : " held only records that are not Samples " + summary.undecodable()));
      err.flush();
      return 1;
    }
    List<RunSummary.ModelRow> idle = summary.nothingTrained();
    if (!idle.isEmpty()) {
      StringBuilder why = new StringBuilder();
      for (RunSummary.ModelRow r : idle) {
        why.append(why.length() == 0 ? "" : "; ").append(r.modelId()).append(": ").append(r.rejectedTotal())
            .append(" rejected ").append(r.rejected());
      }
      err.println("error: training job '" + spec.name() + "' ended, but " + idle.size() + " of "
          + summary.models().size() + " models trained on no sample (" + why + "); reasons are explained in the"
          + " README's section \"Rejected samples: the reasons\", the samples in topic " + t.rejected());
      err.flush();
      return 1;
    }
    out.println("training job '" + spec.name() + "' finished");
    return 0;
  }

  /**
   * The command that resumes this run from {@code savepoint}: the same spec and options, plus --from-savepoint,
   * minus --bounded (a resumed run cannot end by itself, see {@link #call}).
   */
  String resumeCommand(String savepoint) {
    return launch.resumeCommand(List.of("bin/streamtrain", "train", specFile.toString()), kafkaOptions,
        List.of(), savepoint);
  }

  /** Quotes an argument for a POSIX shell when it holds anything beyond plain path characters. */
  static String shellQuote(String a) {
    return a.matches("[A-Za-z0-9_./:=@%+,-]+") ? a : "'" + a.replace("'", "'\\''") + "'";
  }

  /**
   * A local savepoint path that does not exist is a command-line error found before Flink starts (Flink would
   * report it 100 lines deep). Remote file systems (s3://, hdfs://) are left for Flink to check.
   */
  static void checkSavepointPath(String path) {
    if (path == null) {
      return;
    }
    Path local;
    if (path.startsWith("file:")) {
      try {
        local = Path.of(java.net.URI.create(path));
      } catch (IllegalArgumentException e) {
        throw new io.streamtrain.core.SpecException("--from-savepoint", path, "allowed: a savepoint or checkpoint "
            + "directory (a path or file: URI)");
      }
    } else if (path.contains("://")) {
      return;
    } else {
      local = Path.of(path);
    }
    if (!Files.exists(local)) {
      throw new io.streamtrain.core.SpecException("--from-savepoint", "no such savepoint or checkpoint: " + path
          + " (allowed: the directory printed after Ctrl-C, or a chk-N directory under the checkpoint storage)");
    }
  }

  private int submit(JobSpec spec, KafkaSettings kafka) throws IOException, InterruptedException {
    Path jobJar = launch.jar != null ? launch.jar : findJobJar();
    RestSubmitter rest = new RestSubmitter(launch.cluster);
    String jarId = rest.upload(jobJar);
    List<String> args = new ArrayList<>(List.of("--spec-json", JobSpecFiles.toJson(spec),
        "--bootstrap", kafka.bootstrapServers()));
    if (kafkaOptions.configFile() != null) {
      // Only the file's path travels in the (REST-visible) program arguments, never resolved secrets: the job's
      // main method reads the file and resolves its ${env:...} placeholders on the JobManager.
      args.addAll(List.of("--kafka-config", kafkaOptions.configFile().toAbsolutePath().toString()));
      System.err.println("streamtrain: the JobManager reads " + kafkaOptions.configFile().toAbsolutePath()
          + " and needs the environment variables it refers to");
    }
    String jobId = rest.run(jarId, TrainingJobMain.class.getName(), args, spec.parallelism(), launch.fromSavepoint);
    System.out.println("submitted job " + jobId + " to " + launch.cluster);
    return 0;
  }

  static Path findJobJar() throws IOException {
    Path target = Path.of(System.getProperty("streamtrain.home", "."), "target");
    try (var files = Files.list(target)) {
      return files.filter(p -> p.getFileName().toString().matches("streamtrain-.*-job\\.jar"))
          .findFirst()
          .orElseThrow(() -> new io.streamtrain.core.SpecException("--jar",
              "no job jar under " + target + "; build it with mvn -DskipTests package or pass --jar"));
    }
  }
}
