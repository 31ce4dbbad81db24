package io.streamtrain.cli;

import io.streamtrain.flink.RestSubmitter;
import io.streamtrain.flink.serving.KafkaServeIo;
import io.streamtrain.flink.serving.ServeJob;
import io.streamtrain.flink.serving.ServeJobMain;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.ModelSnapshots;
import io.streamtrain.io.SnapshotAssembler;
import io.streamtrain.io.Topics;
import io.streamtrain.job.JobSpecFiles;
import io.streamtrain.job.ServeSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code streamtrain serve [SPEC]}: scores the requests topic's ScoreRequests with the latest version of each model
 * on the model topic and writes Predictions exactly once. Like {@code train}: the serve job runs in an embedded
 * Flink MiniCluster against the configured brokers (the default), or with {@code --cluster HOST:PORT} is submitted
 * to a Flink cluster over REST; {@code --savepoint-dir} makes Ctrl-C stop it with a savepoint and print the resume
 * command. Missing topics are created; before the job starts it says which model versions it will serve and what
 * it needs (a training job publishing to the model topic, requests on the requests topic).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Score ScoreRequest records with the latest model versions, exactly once, in an embedded Flink"
        + " MiniCluster or on a Flink cluster.")
public final class ServeCommand implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", paramLabel = "SPEC",
      description = "Serve spec (YAML, keys in the README's serve table); default: every key's default")
  Path specFile;

  @Mixin KafkaOptions kafkaOptions;

  @Mixin JobLaunchOptions launch;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec command;

  /** Set by the Ctrl-C hook when it stops the job with a savepoint. */
  private volatile boolean stoppedWithSavepoint;

  @Override
  public Integer call() throws Exception {
    ServeSpec spec = ServeSpec.fromMap(specFile == null ? new LinkedHashMap<>() : JobSpecFiles.readYaml(specFile));
    KafkaSettings kafka = kafkaOptions.settings();
    TrainCommand.checkSavepointPath(launch.fromSavepoint);
    BrokerCheck.require(kafka);
    ensureTopics(spec, kafka);
    PrintWriter err = command.commandLine().getErr();
    describe(spec, kafka, err);
    if (launch.cluster != null) {
      return submit(spec, kafka);
    }
    Configuration conf = EmbeddedJob.configuration(spec.name(), spec.checkpointStorage(), launch.savepointDir,
        launch.fromSavepoint);
    CompletableFuture<MiniCluster> miniCluster = TrainCommand.startMiniCluster(conf, spec.parallelism());
    try {
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(spec.parallelism(), conf);
      ServeJob.configure(env, spec);
      KafkaServeIo.job(spec, kafka).build(env);
      MiniCluster mc = miniCluster.get();
      JobID jobId = mc.submitJob(EmbeddedJob.graph(env, conf, "streamtrain-serve-" + spec.name())).get().getJobID();
      err.println("streamtrain: serving (embedded Flink, parallelism " + spec.parallelism() + "); Ctrl-C stops"
          + (launch.savepointDir != null ? " with a savepoint in " + launch.savepointDir : ""));
      err.flush();
      PrintWriter out = command.commandLine().getOut();
      Thread hook = launch.savepointDir == null ? null
          : EmbeddedJob.stopWithSavepointOnExit(mc, jobId, launch.savepointDir, out, this::resumeCommand,
              () -> stoppedWithSavepoint = true);
      JobResult result = mc.requestJobResult(jobId).get();
      if (stoppedWithSavepoint) {
        hook.join(EmbeddedJob.STOP_WAIT_MS); // the hook hears the savepoint's path before the cluster closes
      }
      result.toJobExecutionResult(ServeCommand.class.getClassLoader());
      EmbeddedJob.removeHook(hook);
      out.println("serve job '" + spec.name() + "' finished");
      return 0;
    } finally {
      miniCluster.thenAccept(c -> c.closeAsync());
    }
  }

  /** Creates the topics that do not exist: requests, predictions and rejected as plain, models compacted. */
  static void ensureTopics(ServeSpec spec, KafkaSettings kafka) {
    ServeSpec.Topics t = spec.topics();
    try (Admin admin = Admin.create(kafka.toProperties(Map.of()))) {
      for (Topics.TopicSpec ts : List.of(Topics.TopicSpec.of(t.requests(), t.partitions()),
          Topics.TopicSpec.compacted(t.models(), t.partitions()), Topics.TopicSpec.of(t.predictions(),
              t.partitions()), Topics.TopicSpec.of(t.rejected(), t.partitions()))) {
        if (Topics.describe(admin, ts.name()).isEmpty()) {
          Topics.ensure(admin, ts);
        }
      }
    }
  }

  /** Says what will be served now, and what serve needs from elsewhere. */
  static void describe(ServeSpec spec, KafkaSettings kafka, PrintWriter err) {
    ServeSpec.Topics t = spec.topics();
    Map<String, SnapshotAssembler.Assembled> now;
    try {
      now = ModelSnapshots.read(kafka, t.models(), id -> true, null, "topics.models");
    } catch (RuntimeException e) {
      now = Map.of();
      err.println("streamtrain: warning: reading the model topic: " + e.getMessage());
    }
    if (now.isEmpty()) {
      err.println("streamtrain: the model topic '" + t.models() + "' holds no model version yet: train one"
          + " (bin/streamtrain train jobs/X.yaml with topics.models '" + t.models() + "'); serve picks up every"
          + " version it publishes; until a model's first version, its requests "
          + (spec.noModel() == ServeSpec.NoModel.WAIT ? "wait (at most " + spec.waitMax() + " per model)"
              : "go to '" + t.rejected() + "' (NO_MODEL_VERSION)"));
    } else {
      StringBuilder b = new StringBuilder();
      now.values().forEach(a -> b.append(b.length() == 0 ? "" : ", ").append(a.modelId()).append(" v")
          .append(a.version()).append(" (step ").append(a.head().getStep()).append(')'));
      err.println("streamtrain: serving the latest versions on '" + t.models() + "', now " + b
          + "; newer ones take effect as they are published");
    }
    err.println("streamtrain: requests: Avro ScoreRequest records (schemas/ScoreRequest.avsc) on '" + t.requests()
        + "'; predictions: Avro Prediction records on '" + t.predictions() + "', exactly once (bin/streamtrain"
        + " consume --topic " + t.predictions() + " reads them read_committed); rejections on '" + t.rejected() + "'");
    err.flush();
  }

  private int submit(ServeSpec spec, KafkaSettings kafka) throws Exception {
    Path jobJar = launch.jar != null ? launch.jar : TrainCommand.findJobJar();
    RestSubmitter rest = new RestSubmitter(launch.cluster);
    String jarId = rest.upload(jobJar);
    List<String> args = new ArrayList<>(List.of("--spec-json", JobSpecFiles.mapToJson(spec.raw()),
        "--bootstrap", kafka.bootstrapServers()));
    if (kafkaOptions.configFile() != null) {
      // Only the file's path travels in the (REST-visible) program arguments, never resolved secrets.
      args.addAll(List.of("--kafka-config", kafkaOptions.configFile().toAbsolutePath().toString()));
    }
    String jobId = rest.run(jarId, ServeJobMain.class.getName(), args, spec.parallelism(), launch.fromSavepoint);
    command.commandLine().getOut().println("submitted job " + jobId + " to " + launch.cluster);
    return 0;
  }

  /** This command with the same spec and options, resuming from {@code savepoint}. */
  String resumeCommand(String savepoint) {
    List<String> command = new ArrayList<>(List.of("bin/streamtrain", "serve"));
    if (specFile != null) {
      command.add(specFile.toString());
    }
    return launch.resumeCommand(command, kafkaOptions, List.of(), savepoint);
  }
}
