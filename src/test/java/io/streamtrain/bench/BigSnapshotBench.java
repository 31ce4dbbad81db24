package io.streamtrain.bench;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.flink.replay.EvaluationRecords;
import io.streamtrain.flink.training.KafkaTrainingIo;
import io.streamtrain.flink.training.TrainingJob;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.ModelSnapshots;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.ParameterChecksum;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.io.Schemas;
import io.streamtrain.io.SnapshotAssembler;
import io.streamtrain.io.SnapshotParts;
import io.streamtrain.io.Topics;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.replay.ReplayOutcome;
import io.streamtrain.replay.ReplayRunner;
import io.streamtrain.replay.ReplaySpec;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What a big model costs on the model topic, against an in-JVM broker that keeps Kafka's default record limits
 * (message.max.bytes 1048588; producer max.request.size 1 MiB): (1) building the parts of a 2^B + 1 parameter
 * snapshot, publishing them in one Kafka transaction and reading them back assembled and checksum-verified, three
 * times; (2) end to end, a hashed logistic model of 2^B slots trained by the Flink job (B = 4, 240 click-style
 * samples, a snapshot every 20 steps, file checkpoints), read back from the topic and scored by a holdout replay,
 * each checked bit for bit. Prints wall times, the JVM's peak heap (sum of the heap pools' peaks) and peak RSS
 * (VmHWM). Usage: {@code BENCH_JAVA_OPTS=-Xmx2g scripts/bench/run-bench-main.sh
 * io.streamtrain.bench.BigSnapshotBench [hash_bits, default 22] [publish-only]}.
 */
public final class BigSnapshotBench {
  private BigSnapshotBench() {}

  public static void main(String[] args) throws Exception {
    int bits = args.length > 0 ? Integer.parseInt(args[0]) : 22;
    int n = (1 << bits) + 1;
    Path tmp = Files.createTempDirectory("big-snapshot-bench");
    try (KafkaBroker broker = KafkaBroker.builder().serverProperty("message.max.bytes", "1048588").build().start()) {
      String bs = broker.bootstrapServers();
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bs))) {
        Topics.ensure(admin, Topics.TopicSpec.compacted("bench-models", 2));
        Topics.ensure(admin, Topics.TopicSpec.compacted("e2e-models", 2));
        Topics.ensure(admin, Topics.TopicSpec.of("e2e-samples", 2));
      }
      KafkaSettings kafka = KafkaSettings.ofBootstrap(bs);
      System.out.printf("model: 2^%d + 1 = %d parameters (%.1f MB as doubles), %d parts%n", bits, n, n * 8 / 1e6,
          SnapshotParts.partCount(n));
      double[] params = new double[n];
      SplittableRandom r = new SplittableRandom(1);
      for (int i = 0; i < n; i++) {
        params[i] = r.nextGaussian();
      }
      for (int round = 1; round <= 3; round++) {
        publishAndRead(bs, kafka, params, round);
      }
      if (!(args.length > 1 && args[1].equals("publish-only"))) {
        endToEnd(bs, kafka, bits, tmp);
      }
    }
    System.out.printf("peak heap %.0f MB, peak RSS %s%n", peakHeapMb(), vmHwm());
  }

  static void publishAndRead(String bs, KafkaSettings kafka, double[] params, long version) throws Exception {
    ModelSnapshot head = ModelSnapshot.newBuilder()
        .setModelId("m").setVersion(version).setCreatedAt(Instant.EPOCH)
        .setSpec(new io.streamtrain.avro.ModelSpec("logistic", List.of(), "{}", "{\"type\":\"logistic\"}"))
        .setParameters(List.of()).setBuffers(List.of()).setOptimizer("sgd")
        .setChecksum(ParameterChecksum.of(params)).build();
    long t0 = System.nanoTime();
    List<byte[]> values = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    SpecificDatumWriter<ModelSnapshot> w = new SpecificDatumWriter<>(ModelSnapshot.class);
    SnapshotParts.split(head, params, part -> {
      try {
        ByteArrayOutputStream b = new ByteArrayOutputStream(SnapshotParts.PART_BYTES + 1024);
        BinaryEncoder e = EncoderFactory.get().binaryEncoder(b, null);
        w.write(part, e);
        e.flush();
        values.add(b.toByteArray());
        keys.add(SnapshotParts.key(part));
      } catch (java.io.IOException ex) {
        throw new java.io.UncheckedIOException(ex);
      }
    });
    long t1 = System.nanoTime();
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("bootstrap.servers", bs);
    cfg.put("transactional.id", "bench-" + version);
    cfg.put("compression.type", "lz4");
    cfg.put("linger.ms", "5");
    int partition = SnapshotParts.partition("m", 2);
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(cfg, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      p.initTransactions();
      p.beginTransaction();
      for (int i = 0; i < values.size(); i++) {
        p.send(new ProducerRecord<>("bench-models", partition, null, keys.get(i).getBytes(StandardCharsets.UTF_8),
            values.get(i), List.of(Schemas.header(ModelSnapshot.getClassSchema()))));
      }
      p.commitTransaction();
    }
    long t2 = System.nanoTime();
    SnapshotAssembler.Assembled got = ModelSnapshots.read(kafka, "bench-models", "m"::equals, null, "bench").get("m");
    long t3 = System.nanoTime();
    boolean same = got != null && got.version() == version && Arrays.equals(bits(got.parameters()), bits(params));
    System.out.printf("round %d: build+encode %d parts %.0f ms, publish (1 transaction) %.0f ms, read+assemble+verify"
        + " %.0f ms (whole topic, %d versions), bit-identical %s%n", version, values.size(), (t1 - t0) / 1e6,
        (t2 - t1) / 1e6, (t3 - t2) / 1e6, version, same);
    if (!same) {
      throw new IllegalStateException("read back differs");
    }
  }

  static void endToEnd(String bs, KafkaSettings kafka, int hashBits, Path tmp) throws Exception {
    int samples = 240;
    SampleCodec codec = new SampleCodec();
    MutableSample s = new MutableSample();
    SplittableRandom r = new SplittableRandom(11);
    Map<String, Object> pc = new LinkedHashMap<>();
    pc.put("bootstrap.servers", bs);
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pc, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      for (int i = 0; i < samples; i++) {
        s.clear();
        s.modelId = "m";
        s.eventTime = 1_000_000L + 1_000L * i;
        int ad = r.nextInt(50_000);
        s.addCategorical("ad", "a" + ad);
        s.addCategorical("site", "s" + r.nextInt(20_000));
        s.addCategorical("user", "u" + r.nextInt(100_000));
        s.setBinaryLabel(ad % 3 == 0);
        p.send(new ProducerRecord<>("e2e-samples", "m".getBytes(StandardCharsets.UTF_8), codec.encode(s)));
      }
      p.flush();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "e2e");
    m.put("model", Map.of("type", "logistic", "features", Map.of("hash_bits", hashBits), "init", "zeros"));
    m.put("optimizer", Map.of("type", "sgd", "lr", 0.5));
    m.put("batching", Map.of("batch_size", 4, "shuffle_capacity", 64, "seed", 7));
    m.put("topics", Map.of("samples", "e2e-samples", "metrics", "e2e-metrics", "models", "e2e-models",
        "rejected", "e2e-rejected"));
    m.put("snapshots", Map.of("every_steps", 20));
    m.put("metrics", Map.of("every_batches", 20));
    m.put("checkpoint", Map.of("interval_ms", 5000));
    m.put("parallelism", 1);
    m.put("source", Map.of("bounded", true));
    JobSpec spec = JobSpec.fromMap(m);
    Configuration conf = new Configuration();
    conf.setString("restart-strategy.type", "none");
    conf.set(StateBackendOptions.STATE_BACKEND, "hashmap");
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, tmp.toUri().toString());
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
    TrainingJob.configure(env, spec);
    KafkaTrainingIo.job(spec, kafka).build(env);
    long t0 = System.nanoTime();
    env.execute("e2e");
    long t1 = System.nanoTime();
    SnapshotAssembler.Assembled got = ModelSnapshots.read(kafka, "e2e-models", "m"::equals, null, "bench").get("m");
    long t2 = System.nanoTime();
    Map<String, Object> holdout = new LinkedHashMap<>();
    holdout.put("name", "e2e-holdout");
    holdout.put("mode", "holdout");
    holdout.put("source", Map.of("topic", "e2e-samples"));
    holdout.put("holdout", Map.of("model_id", "m", "topic", "e2e-models"));
    ReplayOutcome h = ReplayRunner.run(new ReplaySpec(holdout, Path.of(".")), kafka, x -> { });
    long t3 = System.nanoTime();
    long scored = h.results().stream().filter(EvaluationRecords::isFinal).findFirst().orElseThrow().getSamples();
    boolean same = Arrays.equals(bits(h.finals().get(0).params), bits(got.parameters()));
    System.out.printf("end to end, 2^%d slots: train %d samples (%d steps, versions 1-%d published) %.1f s;"
        + " read latest version %.0f ms; holdout replay %.1f s (%d samples scored); holdout parameters"
        + " bit-identical to the published ones %s%n", hashBits, samples, got.head().getStep(), got.version(),
        (t1 - t0) / 1e9, (t2 - t1) / 1e6, (t3 - t2) / 1e9, scored, same);
    if (!same) {
      throw new IllegalStateException("holdout parameters differ");
    }
  }

  static long[] bits(double[] d) {
    long[] b = new long[d.length];
    for (int i = 0; i < d.length; i++) {
      b[i] = Double.doubleToRawLongBits(d[i]);
    }
    return b;
  }

  static double peakHeapMb() {
    long sum = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        sum += p.getPeakUsage().getUsed();
      }
    }
    return sum / 1e6;
  }

  static String vmHwm() throws java.io.IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM")) {
        return line.substring(6).trim();
      }
    }
    return "?";
  }
}
