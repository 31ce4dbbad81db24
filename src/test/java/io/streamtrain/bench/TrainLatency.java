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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Event-to-update latency of the live training job at a fixed input rate (a scripted benchmark, see
 * scripts/bench/train_latency.sh). A paced producer sends logistic-regression samples (D dense features) at R
 * samples/s with event time = the wall clock at send; the unbounded job trains with B and shuffle capacity K and
 * reports metrics after every batch. For each report a read_uncommitted consumer records, in HdrHistogram, its
 * arrival time minus the report's event_time_start (the oldest sample of the batch: the latest any sample of that
 * batch saw its update published, an upper bound on per-sample latency) and minus event_time_end (the newest).
 * The first warm-up seconds are discarded. Same JVM, same clock for event times and arrivals.
 *
 * <p>Arguments: {@code rate=10000 seconds=40 warmup=10 dims=50 batch=256 capacity=1024}.
 */
public final class TrainLatency {
  private TrainLatency() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = BenchArgs.parse(args, Map.of("rate", "10000", "seconds", "40", "warmup", "10",
        "dims", "50", "batch", "256", "capacity", "1024"));
    int rate = Integer.parseInt(a.get("rate"));
    int seconds = Integer.parseInt(a.get("seconds"));
    int warmup = Integer.parseInt(a.get("warmup"));
    int dims = Integer.parseInt(a.get("dims"));
    int batch = Integer.parseInt(a.get("batch"));
    int capacity = Integer.parseInt(a.get("capacity"));
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bootstrap = broker.bootstrapServers();
      TrainThroughput.createTopics(bootstrap, "samples", "metrics", "models", "rejected");
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", "latency");
      m.put("model", Map.of("type", "logistic", "features", Map.of("dense", dims)));
      m.put("optimizer", Map.of("type", "adam", "lr", 0.01));
      m.put("batching", Map.of("batch_size", batch, "shuffle_capacity", capacity, "seed", 1));
      m.put("metrics", Map.of("every_batches", 1));
      m.put("snapshots", Map.of("every_steps", 1000));
      m.put("checkpoint", Map.of("interval_ms", 2000));
      m.put("parallelism", 2);
      JobSpec spec = JobSpec.fromMap(m);
      Configuration conf = new Configuration();
      conf.setString("restart-strategy.type", "none");
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
      TrainingJob.configure(env, spec);
      KafkaSettings kafka = KafkaSettings.ofBootstrap(bootstrap);
      KafkaTrainingIo.job(spec, kafka).build(env);
      JobClient job = env.executeAsync("latency");

      Histogram oldest = new Histogram(TimeUnit.MINUTES.toMillis(10), 3);
      Histogram newest = new Histogram(TimeUnit.MINUTES.toMillis(10), 3);
      AtomicBoolean stop = new AtomicBoolean();
      long measureFrom = System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(warmup);
      Thread watcher = new Thread(() -> watch(bootstrap, stop, measureFrom, oldest, newest), "metrics-watch");
      watcher.start();
      long sent = producePaced(bootstrap, rate, seconds, dims);
      // Let the last full batches train and report, then stop.
      Thread.sleep(2000);
      stop.set(true);
      watcher.join();
      job.cancel().get();
      System.out.printf("rate %d samples/s for %d s (%d sent), B=%d, K=%d, %d reports measured after %d s%n", rate,
          seconds, sent, batch, capacity, oldest.getTotalCount(), warmup);
      print("oldest sample of the batch (upper bound)", oldest);
      print("newest sample of the batch", newest);
    }
  }

  static void print(String what, Histogram h) {
    System.out.printf("  %s: p50 %d ms, p90 %d ms, p99 %d ms, max %d ms%n", what, h.getValueAtPercentile(50),
        h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getMaxValue());
  }

  static long producePaced(String bootstrap, int rate, int seconds, int dims) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    p.put("linger.ms", "1");
    p.put("acks", "1");
    LogisticSamples gen = new LogisticSamples(7, dims);
    SampleCodec codec = new SampleCodec();
    MutableSample s = new MutableSample();
    byte[] key = "model-0".getBytes(StandardCharsets.UTF_8);
    long n = (long) rate * seconds;
    long start = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> prod = new KafkaProducer<>(p)) {
      for (long i = 0; i < n; i++) {
        long due = start + i * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        gen.next(s);
        s.modelId = "model-0";
        s.eventTime = System.currentTimeMillis();
        prod.send(new ProducerRecord<>("samples", (int) (i % 2), key, codec.encode(s)));
      }
      prod.flush();
    }
    return n;
  }

  static void watch(String bootstrap, AtomicBoolean stop, long measureFrom, Histogram oldest, Histogram newest) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    p.put("isolation.level", "read_uncommitted");
    p.put("auto.offset.reset", "earliest");
    p.put("group.id", "latency-watch");
    p.put("fetch.max.wait.ms", "5");
    SpecificDatumReader<TrainingMetrics> reader = new SpecificDatumReader<>(TrainingMetrics.class);
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      c.subscribe(List.of("metrics"));
      while (!stop.get()) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(5))) {
          long now = System.currentTimeMillis();
          TrainingMetrics m = reader.read(null, DecoderFactory.get().binaryDecoder(r.value(), null));
          long first = m.getEventTimeStart().toEpochMilli();
          if (first >= measureFrom && m.getSamplesInReport() > 0) {
            oldest.recordValue(Math.max(0, now - first));
            newest.recordValue(Math.max(0, now - m.getEventTimeEnd().toEpochMilli()));
          }
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
