package io.streamtrain.cli;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.client.ModelClient;
import io.streamtrain.dashboard.Dashboard;
import io.streamtrain.flink.training.KafkaTrainingIo;
import io.streamtrain.flink.training.TrainingJob;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.job.JobSpec;
import io.streamtrain.job.JobSpecFiles;
import io.streamtrain.local.KafkaBroker;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code streamtrain demo}: the whole system on one machine, nothing to install. Starts a real Kafka broker
 * in-process, streams the bundled Wisconsin breast-cancer data (10 passes) and a drifting rotating-hyperplane
 * stream into the samples topic (plus a few bad records, to show the rejected-samples path), runs the training
 * job (jobs/demo.yaml) in an embedded Flink MiniCluster, shows live progress per model from the metrics topic,
 * and ends with a summary and a PNG chart of the loss curves.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the training job end to end on an in-process Kafka broker and Flink MiniCluster.")
public final class DemoCommand implements Callable<Integer> {
  @Option(names = "--spec", description = "Job spec (default jobs/demo.yaml)")
  Path specFile;

  @Option(names = "--hyperplane-samples", description = "Samples of the drifting hyperplane stream (default 300000)")
  int hyperplaneSamples = 300_000;

  @Option(names = "--passes", description = "Passes over the breast-cancer data (default 10)")
  int passes = 10;

  @Option(names = "--out", description = "Where the chart and summary go (default out/demo)")
  Path out;

  @Option(names = "--dashboard-port", defaultValue = "0",
      description = "Port of the live dashboard on localhost (default: any free port, printed)")
  int dashboardPort;

  @Option(names = "--keep", description = "Keep the broker and the dashboard up after the run, until Ctrl-C")
  boolean keep;

  @Override
  public Integer call() throws Exception {
    Path home = Path.of(System.getProperty("streamtrain.home", "."));
    JobSpec spec = JobSpecFiles.load(specFile != null ? specFile : home.resolve("jobs/demo.yaml"));
    Path outDir = out != null ? out : home.resolve("out/demo");
    PrintStream o = System.out;
    long t0 = System.nanoTime();
    o.println("streamtrain demo: starting an in-process Kafka broker (KRaft) ...");
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bootstrap = broker.bootstrapServers();
      KafkaSettings kafka = KafkaSettings.ofBootstrap(bootstrap);
      TrainCommand.ensureTopics(spec, kafka);
      o.printf("broker ready on %s; producing samples to '%s' ...%n", bootstrap, spec.topics().samples());
      long[] produced = DemoSamples.produce(bootstrap, spec.topics().samples(),
          home.resolve("datasets/breast_cancer.csv"), passes, hyperplaneSamples);
      o.printf("produced %d breast-cancer samples (%d passes), %d hyperplane samples, %d bad records%n",
          produced[0], passes, produced[1], produced[2]);

      Configuration conf = new Configuration();
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(spec.parallelism(), conf);
      TrainingJob.configure(env, spec);
      KafkaTrainingIo.job(spec, kafka).build(env);
      o.printf("training in an embedded Flink MiniCluster (parallelism %d) ...%n%n", spec.parallelism());
      JobClient job = env.executeAsync("streamtrain-demo");
      // A service beside the job: it follows the model topic and scores requests all along.
      ModelClient client = ModelClient.follow(kafka, spec.topics().models(), id -> true);
      DemoServing serving = new DemoServing(client);
      Thread server = new Thread(serving, "demo-serving");
      server.setDaemon(true);
      server.start();
      Dashboard dashboard = Dashboard.start(kafka, spec.topics().metrics(), "127.0.0.1", dashboardPort, null)
          .followRejected(kafka, spec.topics().rejected());
      o.printf("live dashboard: http://127.0.0.1:%d/%s%n%n", dashboard.port(), keep ? "" : " (up while the demo runs;"
          + " --keep keeps it after)");
      DemoLiveView live = new DemoLiveView(bootstrap, spec.topics().metrics(), o);
      Thread viewer = new Thread(live, "demo-live-view");
      viewer.setDaemon(true);
      viewer.start();
      job.getJobExecutionResult().get();
      live.stop();
      viewer.join(10_000);

      List<TrainingMetrics> metrics = DemoSummary.readAll(bootstrap, spec.topics().metrics(), TrainingMetrics.class);
      List<ModelSnapshot> snaps = DemoSummary.readAll(bootstrap, spec.topics().models(), ModelSnapshot.class);
      List<RejectedSample> rejected = DemoSummary.readAll(bootstrap, spec.topics().rejected(), RejectedSample.class);
      serving.stop();
      server.join(10_000);
      serving.report(o, snaps, spec.topics().models(), home.resolve("datasets/breast_cancer.csv"));
      client.close();
      DemoSummary.print(o, metrics, snaps, rejected, outDir, (System.nanoTime() - t0) / 1e9);
      if (keep) {
        o.printf("%nbroker %s and dashboard http://127.0.0.1:%d/ stay up; Ctrl-C stops them%n", bootstrap,
            dashboard.port());
        o.flush();
        java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        stop.await();
      }
      dashboard.close();
    }
    return 0;
  }
}
