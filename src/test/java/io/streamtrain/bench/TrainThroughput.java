package io.streamtrain.bench;

import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.flink.training.KafkaTrainingIo;
import io.streamtrain.flink.training.TrainingJob;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * End-to-end throughput of the training job (a scripted benchmark, not a test; see
 * scripts/bench/train_throughput.sh): N logistic-regression samples with D dense features (x ~ N(0, I), label
 * Bernoulli(sigmoid(w.x)) for a fixed random w) are produced into the in-process broker, spread over 2
 * partitions, then the bounded training job (B=256, Adam, parallelism 2) consumes, validates, batches, trains and
 * publishes metrics. Two figures per run: the wall time from submitting the job to its end (MiniCluster start,
 * final checkpoint and transaction commits included), and the steady-state rate seen by a read_uncommitted
 * consumer of the metrics topic (samples trained between the first and the last metrics record over the time
 * between their arrivals). Repeats the job R times (fresh consumer group and metrics topic) and prints the median.
 *
 * <p>Arguments: {@code samples=2000000 dims=50 runs=3 models=1 batch=256}.
 */
public final class TrainThroughput {
  private TrainThroughput() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = BenchArgs.parse(args, Map.of("samples", "2000000", "dims", "50", "runs", "3",
        "models", "1", "batch", "256"));
    int n = (int) Double.parseDouble(a.get("samples"));
    int dims = Integer.parseInt(a.get("dims"));
    int runs = Integer.parseInt(a.get("runs"));
    int models = Integer.parseInt(a.get("models"));
    int batch = Integer.parseInt(a.get("batch"));
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bootstrap = broker.bootstrapServers();
      createTopics(bootstrap, "samples");
      long t0 = System.nanoTime();
      produce(bootstrap, "samples", n, dims, models);
      double produceSecs = (System.nanoTime() - t0) / 1e9;
      System.out.printf("produced %d samples (%d dense features, %d model id(s)) in %.1f s (%.0f/s)%n", n, dims,
          models, produceSecs, n / produceSecs);
      double[] wall = new double[runs];
      double[] steady = new double[runs];
      for (int r = 0; r < runs; r++) {
        String metricsTopic = "metrics-" + r;
        createTopics(bootstrap, metricsTopic, "models-" + r, "rejected-" + r);
        Map<String, Object> spec = spec("bench-" + r, dims, batch, metricsTopic, r);
        MetricsWatch watch = new MetricsWatch(bootstrap, metricsTopic);
        Thread watcher = new Thread(watch, "metrics-watch");
        watcher.start();
        long start = System.nanoTime();
        runJob(JobSpec.fromMap(spec), bootstrap);
        long end = System.nanoTime();
        watch.awaitTotal(n, models);
        watch.stop.set(true);
        watcher.join();
        wall[r] = n / ((end - start) / 1e9);
        steady[r] = watch.rate();
        System.out.printf("run %d: job wall %.2f s -> %.0f samples/s end to end; steady state %.0f samples/s "
            + "(%d metrics records)%n", r + 1, (end - start) / 1e9, wall[r], steady[r], watch.count);
      }
      System.out.printf("median of %d: end to end %.0f samples/s, steady state %.0f samples/s%n", runs,
          median(wall), median(steady));
    }
  }

  static Map<String, Object> spec(String name, int dims, int batch, String metricsTopic, int r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("model", Map.of("type", "logistic", "features", Map.of("dense", dims)));
    m.put("optimizer", Map.of("type", "adam", "lr", 0.01));
    m.put("batching", Map.of("batch_size", batch, "seed", 1));
    m.put("topics", Map.of("samples", "samples", "metrics", metricsTopic, "models", "models-" + r,
        "rejected", "rejected-" + r));
    m.put("metrics", Map.of("every_batches", 10));
    m.put("snapshots", Map.of("every_steps", 1000));
    m.put("checkpoint", Map.of("interval_ms", 2000));
    m.put("parallelism", 2);
    m.put("source", Map.of("bounded", true));
    return m;
  }

  static void runJob(JobSpec spec, String bootstrap) throws Exception {
    Configuration conf = new Configuration();
    conf.setString("restart-strategy.type", "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(spec.parallelism(), conf);
    TrainingJob.configure(env, spec);
    KafkaSettings kafka = KafkaSettings.ofBootstrap(bootstrap);
    KafkaTrainingIo.job(spec, kafka).build(env);
    env.execute(spec.name());
  }

  static void createTopics(String bootstrap, String... topics) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      List<NewTopic> list = new ArrayList<>();
      for (String t : topics) {
        list.add(new NewTopic(t, 2, (short) 1));
      }
      admin.createTopics(list).all().get();
    }
  }

  /** Logistic-regression samples, round-robin over the 2 partitions, lz4 (the producer settings of `streamtrain produce`). */
  static void produce(String bootstrap, String topic, int n, int dims, int models) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    p.put("compression.type", "lz4");
    p.put("linger.ms", "20");
    p.put("batch.size", String.valueOf(512 * 1024));
    p.put("acks", "1");
    LogisticSamples gen = new LogisticSamples(2026, dims);
    SampleCodec codec = new SampleCodec();
    MutableSample s = new MutableSample();
    String[] ids = new String[models];
    byte[][] keys = new byte[models][];
    // Model ids chosen so that model m is trained by subtask m % 2 (Flink's key-group assignment, max
    // parallelism 128): two models then really use both trainer subtasks.
    int candidate = 0;
    for (int m = 0; m < models; m++) {
      String id;
      do {
        id = "model-" + candidate++;
      } while (org.apache.flink.runtime.state.KeyGroupRangeAssignment.assignKeyToParallelOperator(id, 128, 2)
          != m % 2);
      ids[m] = id;
      keys[m] = ids[m].getBytes(StandardCharsets.UTF_8);
    }
    try (KafkaProducer<byte[], byte[]> prod = new KafkaProducer<>(p)) {
      for (int i = 0; i < n; i++) {
        gen.next(s);
        s.modelId = ids[i % models];
        s.eventTime = 1_700_000_000_000L + i;
        // One model: spread over both partitions (both source subtasks decode). Several: model m in partition
        // m % 2, so each model's samples stay in order.
        int partition = models == 1 ? i % 2 : (i % models) % 2;
        prod.send(new ProducerRecord<>(topic, partition, keys[i % models], codec.encode(s)));
      }
      prod.flush();
    }
  }

  static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }

  /** Follows the metrics topic (read_uncommitted: records count when written, before the commit). */
  static final class MetricsWatch implements Runnable {
    final AtomicBoolean stop = new AtomicBoolean();
    private final String bootstrap;
    private final String topic;
    private final Map<String, Long> seen = new HashMap<>();
    volatile long count;
    private long firstNanos;
    private long firstTotal;
    private volatile long lastNanos;
    private volatile long lastTotal;

    MetricsWatch(String bootstrap, String topic) {
      this.bootstrap = bootstrap;
      this.topic = topic;
    }

    @Override
    public void run() {
      Properties p = new Properties();
      p.put("bootstrap.servers", bootstrap);
      p.put("key.deserializer", ByteArrayDeserializer.class.getName());
      p.put("value.deserializer", ByteArrayDeserializer.class.getName());
      p.put("isolation.level", "read_uncommitted");
      p.put("auto.offset.reset", "earliest");
      p.put("group.id", "watch-" + topic);
      SpecificDatumReader<TrainingMetrics> reader = new SpecificDatumReader<>(TrainingMetrics.class);
      try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
        c.subscribe(List.of(topic));
        while (!stop.get()) {
          for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(20))) {
            long now = System.nanoTime();
            TrainingMetrics m = reader.read(null, DecoderFactory.get().binaryDecoder(r.value(), null));
            seen.merge(m.getModelId(), m.getSamplesSeen(), Math::max);
            long total = seen.values().stream().mapToLong(Long::longValue).sum();
            if (count == 0) {
              firstNanos = now;
              firstTotal = total;
            }
            lastNanos = now;
            lastTotal = total;
            count++;
          }
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    /** Waits (bounded) until the watcher has seen every sample reported; the job has ended, so they come. */
    void awaitTotal(long n, int models) throws InterruptedException {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (lastTotal < n && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      if (lastTotal < n) {
        System.out.println("warning: the metrics topic reported " + lastTotal + " of " + n + " samples");
      }
    }

    double rate() {
      return (lastTotal - firstTotal) / ((lastNanos - firstNanos) / 1e9);
    }
  }
}
