package io.streamtrain.cli;

import io.streamtrain.avro.DiagnosticValue;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.client.ModelClient;
import io.streamtrain.dashboard.Dashboard;
import io.streamtrain.core.data.Example;
import io.streamtrain.flink.training.SampleDeserializer;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.flink.training.KafkaTrainingIo;
import io.streamtrain.flink.training.TrainingJob;
import io.streamtrain.io.CsvSampleReader;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.ReaderOptions;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.io.gen.SampleGenerator;
import io.streamtrain.job.JobSpec;
import io.streamtrain.job.JobSpecFiles;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.local.LossChart;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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
      long[] produced = produce(bootstrap, spec.topics().samples(), home.resolve("datasets/breast_cancer.csv"));
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
      Serving serving = new Serving(client);
      Thread server = new Thread(serving, "demo-serving");
      server.setDaemon(true);
      server.start();
      Dashboard dashboard = Dashboard.start(kafka, spec.topics().metrics(), "127.0.0.1", dashboardPort, null);
      o.printf("live dashboard: http://127.0.0.1:%d/%s%n%n", dashboard.port(), keep ? "" : " (up while the demo runs;"
          + " --keep keeps it after)");
      Live live = new Live(bootstrap, spec.topics().metrics(), o);
      Thread viewer = new Thread(live, "demo-live-view");
      viewer.setDaemon(true);
      viewer.start();
      job.getJobExecutionResult().get();
      live.stop();
      viewer.join(10_000);

      List<TrainingMetrics> metrics = readAll(bootstrap, spec.topics().metrics(), TrainingMetrics.class);
      List<ModelSnapshot> snaps = readAll(bootstrap, spec.topics().models(), ModelSnapshot.class);
      List<RejectedSample> rejected = readAll(bootstrap, spec.topics().rejected(), RejectedSample.class);
      serving.stop();
      server.join(10_000);
      serve(o, client, serving, snaps, spec.topics().models(), home.resolve("datasets/breast_cancer.csv"));
      client.close();
      summary(o, metrics, snaps, rejected, outDir, (System.nanoTime() - t0) / 1e9);
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

  /** Scores fresh hyperplane requests with whatever version the client holds, while the job trains. */
  private static final class Serving implements Runnable {
    private final ModelClient client;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final java.util.TreeSet<Long> versions = new java.util.TreeSet<>();
    private long predictions;

    Serving(ModelClient client) {
      this.client = client;
    }

    void stop() {
      running.set(false);
    }

    @Override
    public void run() {
      SampleGenerator gen = Generators.create("hyperplane", Map.of("dims", 10, "speed", 0.001, "noise", 0.05), 7);
      MutableSample s = new MutableSample();
      Example e = new Example();
      ModelClient.Predictor p = client.predictor("hyperplane");
      double[] out = new double[1];
      while (running.get()) {
        if (client.current("hyperplane") == null) {
          sleep(5);
          continue;
        }
        gen.next(s);
        SampleDeserializer.toExample(s, e);
        long v = p.predict(e, out);
        synchronized (versions) {
          versions.add(v);
          predictions++;
        }
        if (predictions % 8 == 0) {
          sleep(1); // a service's pace, not a benchmark: leave the cores to the job
        }
      }
    }

    private static void sleep(long ms) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The serving part of the demo: what the scoring thread did during training, then every breast-cancer row
   * scored with the final published version through the embeddable {@link ModelClient}.
   */
  private static void serve(PrintStream o, ModelClient client, Serving serving, List<ModelSnapshot> snaps,
      String modelTopic, Path csv) throws Exception {
    long last = snaps.stream().filter(x -> x.getModelId().equals("breast-cancer"))
        .mapToLong(ModelSnapshot::getVersion).max().orElse(0);
    o.println();
    synchronized (serving.versions) {
      o.printf("serving (io.streamtrain.client.ModelClient, following topic '%s'): %d hyperplane predictions"
          + " during training used versions %s%n", modelTopic, serving.predictions,
          serving.versions.isEmpty() ? "none yet" : serving.versions.first() + " to " + serving.versions.last());
    }
    if (last == 0 || client.awaitVersion("breast-cancer", last, Duration.ofSeconds(30)) == null) {
      o.println("serving: no breast-cancer version to score with");
      return;
    }
    ModelClient.Predictor p = client.predictor("breast-cancer");
    double[] out = new double[1];
    MutableSample s = new MutableSample();
    Example e = new Example();
    int n = 0;
    int right = 0;
    long version = 0;
    try (CsvSampleReader r = new CsvSampleReader(csv, CsvSampleReader.Columns.defaults().withLabel("target"),
        ReaderOptions.defaults().withModelId("breast-cancer"), (line, why) -> { })) {
      while (r.next(s)) {
        SampleDeserializer.toExample(s, e);
        version = p.predict(e, out);
        right += (out[0] >= 0.5 ? 1 : 0) == (int) s.label ? 1 : 0;
        n++;
      }
    }
    o.printf("serving: %d breast-cancer rows scored with version %d: accuracy %.3f (rows it trained on)%n", n,
        version, (double) right / n);
  }

  /** Breast cancer (several passes) and the hyperplane stream, keyed by model id, and a few bad records. */
  private long[] produce(String bootstrap, String topic, Path csv) throws IOException {
    SampleCodec codec = new SampleCodec();
    MutableSample s = new MutableSample();
    long bc = 0;
    long hp = 0;
    long bad = 0;
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    p.put("linger.ms", "10");
    p.put("compression.type", "lz4");
    long start = ReaderOptions.DEFAULT_START_TIME;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      byte[] bcKey = "breast-cancer".getBytes(StandardCharsets.UTF_8);
      for (int pass = 0; pass < passes; pass++) {
        try (CsvSampleReader r = new CsvSampleReader(csv, CsvSampleReader.Columns.defaults().withLabel("target"),
            ReaderOptions.defaults().withModelId("breast-cancer"), (line, why) -> { })) {
          while (r.next(s)) {
            s.eventTime = start + bc * 1000;
            producer.send(new ProducerRecord<>(topic, bcKey, codec.encode(s)));
            bc++;
          }
        }
      }
      SampleGenerator gen = Generators.create("hyperplane", Map.of("dims", 10, "speed", 0.001, "noise", 0.05), 42);
      byte[] hpKey = "hyperplane".getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < hyperplaneSamples; i++) {
        gen.next(s);
        s.modelId = "hyperplane";
        producer.send(new ProducerRecord<>(topic, hpKey, codec.encode(s)));
        hp++;
      }
      // What production streams also carry: a sample of the wrong width, a NaN feature, a model nobody trains,
      // and bytes that are not a Sample at all. Each goes to the rejected topic with its reason.
      s.clear();
      s.modelId = "breast-cancer";
      s.eventTime = start + bc * 1000;
      for (int i = 0; i < 29; i++) {
        s.addDense(1.0);
      }
      s.setBinaryLabel(true);
      producer.send(new ProducerRecord<>(topic, bcKey, codec.encode(s)));
      s.addDense(Double.NaN);
      producer.send(new ProducerRecord<>(topic, bcKey, codec.encode(s)));
      s.modelId = "fraud-eu";
      producer.send(new ProducerRecord<>(topic, "fraud-eu".getBytes(StandardCharsets.UTF_8), codec.encode(s)));
      producer.send(new ProducerRecord<>(topic, bcKey, new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe}));
      bad = 4;
      producer.flush();
    }
    return new long[] {bc, hp, bad};
  }

  /** Live per-model progress from the metrics topic, refreshed in place on a terminal. */
  private static final class Live implements Runnable {
    private final String bootstrap;
    private final String topic;
    private final PrintStream o;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<String, TrainingMetrics> latest = new TreeMap<>();
    private final Map<String, Double> accuracy = new TreeMap<>();
    private int printedLines;

    Live(String bootstrap, String topic, PrintStream o) {
      this.bootstrap = bootstrap;
      this.topic = topic;
      this.o = o;
    }

    void stop() {
      running.set(false);
    }

    @Override
    public void run() {
      SpecificDatumReader<TrainingMetrics> reader = new SpecificDatumReader<>(TrainingMetrics.class);
      boolean tty = System.console() != null;
      long lastPrint = 0;
      try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
        c.subscribe(List.of(topic));
        while (running.get()) {
          for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(250))) {
            TrainingMetrics m = reader.read(null, DecoderFactory.get().binaryDecoder(r.value(), null));
            latest.put(m.getModelId(), m);
            Double acc = progressiveAccuracy(m);
            if (acc != null) {
              accuracy.put(m.getModelId(), acc);
            }
          }
          long now = System.nanoTime();
          if (!latest.isEmpty() && now - lastPrint > (tty ? 500_000_000L : 5_000_000_000L)) {
            print(tty);
            lastPrint = now;
          }
        }
        if (!latest.isEmpty()) {
          print(tty);
        }
      } catch (IOException e) {
        o.println("live view stopped: " + e);
      }
    }

    private void print(boolean tty) {
      if (tty && printedLines > 0) {
        o.print("\033[" + printedLines + "A");
      }
      List<String> lines = new ArrayList<>();
      lines.add(String.format("%-14s %10s %8s %11s %9s %9s %9s %10s", "model", "samples", "steps", "samples/s",
          "loss", "last acc", "lr", "|grad|"));
      for (TrainingMetrics m : latest.values()) {
        Double acc = accuracy.get(m.getModelId());
        lines.add(String.format("%-14s %10d %8d %11s %9.4f %9s %9.2e %10.3e", m.getModelId(), m.getSamplesSeen(),
            m.getStep(), Double.isNaN(m.getSamplesPerSecond()) ? "-" : String.format("%.0f", m.getSamplesPerSecond()),
            m.getLossSmoothed(), acc == null ? "-" : String.format("%.3f", acc), m.getLearningRate(),
            m.getGradNorm()));
      }
      for (String l : lines) {
        o.println(tty ? l + "\033[K" : l);
      }
      if (!tty) {
        o.println();
      }
      printedLines = lines.size();
    }
  }

  static Double progressiveAccuracy(TrainingMetrics m) {
    if (m.getDiagnostics() == null) {
      return null;
    }
    for (DiagnosticValue v : m.getDiagnostics().getValues()) {
      if (v.getName().equals("progressive_accuracy")) {
        return v.getValue();
      }
    }
    return null;
  }

  private static void summary(PrintStream o, List<TrainingMetrics> metrics, List<ModelSnapshot> snaps,
      List<RejectedSample> rejected, Path outDir, double seconds) throws IOException {
    o.println();
    o.println("summary");
    Map<String, List<double[]>> lossCurves = new TreeMap<>();
    Map<String, TrainingMetrics> last = new TreeMap<>();
    Map<String, long[]> accuracy = new TreeMap<>();
    for (TrainingMetrics m : metrics) {
      lossCurves.computeIfAbsent(m.getModelId(), k -> new ArrayList<>())
          .add(new double[] {m.getSamplesSeen(), m.getLossSmoothed()});
      last.merge(m.getModelId(), m, (a, b) -> a.getStep() >= b.getStep() ? a : b);
      Double acc = progressiveAccuracy(m);
      if (acc != null) {
        long[] sums = accuracy.computeIfAbsent(m.getModelId(), k -> new long[2]);
        sums[0] += Math.round(acc * m.getSamplesInReport());
        sums[1] += m.getSamplesInReport();
      }
    }
    for (List<double[]> curve : lossCurves.values()) {
      curve.sort((a, b) -> Double.compare(a[0], b[0]));
    }
    o.printf("%-14s %10s %8s %12s %14s %10s %10s%n", "model", "samples", "steps", "final loss", "progr. acc",
        "snapshots", "rejected");
    for (TrainingMetrics m : last.values()) {
      long[] acc = accuracy.get(m.getModelId());
      // The model topic is compacted (latest snapshot per model id), so count versions, not records.
      long nSnaps = snaps.stream().filter(s -> s.getModelId().equals(m.getModelId()))
          .mapToLong(ModelSnapshot::getVersion).max().orElse(0);
      o.printf("%-14s %10d %8d %12.4f %14s %10d %10d%n", m.getModelId(), m.getSamplesSeen(), m.getStep(),
          m.getLossSmoothed(), acc == null || acc[1] == 0 ? "-" : String.format("%.4f", (double) acc[0] / acc[1]),
          nSnaps, m.getRejectedSamples());
    }
    Map<String, Long> reasons = new TreeMap<>();
    for (RejectedSample r : rejected) {
      reasons.merge(r.getReason(), 1L, Long::sum);
    }
    o.println("rejected samples by reason: " + reasons);
    // The live view's "last acc" is one report interval's; this table's is the whole run's, weighted by samples.
    o.println("(final loss: smoothed training loss of the last report; progr. acc: test-then-train accuracy over"
        + " the whole run; the live view's last acc: over the latest report's interval only)");
    Path png = outDir.resolve("loss.png");
    LossChart.write(png, "streamtrain demo: smoothed training loss", "loss", lossCurves, false);
    o.printf("loss chart: %s%n", png.toAbsolutePath());
    o.printf("done in %.1f s%n", seconds);
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    p.put("isolation.level", "read_committed");
    p.put("auto.offset.reset", "earliest");
    p.put("group.id", "streamtrain-demo-view");
    return new KafkaConsumer<>(p);
  }

  private static <T extends SpecificRecord> List<T> readAll(String bootstrap, String topic, Class<T> type)
      throws IOException {
    SpecificDatumReader<T> reader = new SpecificDatumReader<>(type);
    List<T> out = new ArrayList<>();
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    p.put("isolation.level", "read_committed");
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      List<org.apache.kafka.common.TopicPartition> parts = new ArrayList<>();
      c.partitionsFor(topic).forEach(pi -> parts.add(new org.apache.kafka.common.TopicPartition(topic, pi.partition())));
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<org.apache.kafka.common.TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          out.add(reader.read(null, DecoderFactory.get().binaryDecoder(r.value(), null)));
        }
      }
    }
    return out;
  }
}
