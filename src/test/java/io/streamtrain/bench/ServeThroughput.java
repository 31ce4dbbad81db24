package io.streamtrain.bench;

import io.streamtrain.avro.Prediction;
import io.streamtrain.avro.ScoreRequest;
import io.streamtrain.flink.serving.ServeRuns;
import io.streamtrain.job.ServeSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.io.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The serve job end to end (a scripted benchmark, not a test; scripts/bench/serve-e2e.sh), in-process broker,
 * serve job in a MiniCluster (parallelism 2, checkpoints every second), a logistic model of D dense features.
 * <ol>
 *   <li>Throughput: N requests are produced first (2 partitions); the serve job is started and timed from its
 *       submission until a read_committed consumer of the predictions topic has counted N predictions (job start,
 *       the model topic's read and the last checkpoint's commit included), and in steady state (the predictions
 *       after the first committed ones, over the time from those to the last). R runs, each with its own
 *       predictions topic and group; median.
 *   <li>Version swap: while requests arrive at a fixed rate, S new versions are published one by one, each in a
 *       Kafka transaction as the training job does; per version, the time from its commit returning to the
 *       Kafka timestamp of the first prediction naming it (the sink writes a prediction as it is made, into the
 *       open transaction: read here read_uncommitted; read_committed readers see it after the next checkpoint).
 * </ol>
 * Arguments: {@code requests=500000 dims=50 runs=3 swaps=20 rate=2000}.
 */
public final class ServeThroughput {
  private ServeThroughput() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = BenchArgs.parse(args, Map.of("requests", "500000", "dims", "50", "runs", "3",
        "swaps", "20", "rate", "2000"));
    int n = (int) Double.parseDouble(a.get("requests"));
    int dims = Integer.parseInt(a.get("dims"));
    int runs = Integer.parseInt(a.get("runs"));
    int swaps = Integer.parseInt(a.get("swaps"));
    int rate = Integer.parseInt(a.get("rate"));
    Map<String, Object> model = Map.of("type", "logistic", "features", Map.of("dense", dims));
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bs))) {
        Topics.ensure(admin, Topics.TopicSpec.compacted("models", 2));
        Topics.ensure(admin, Topics.TopicSpec.of("requests", 2));
        Topics.ensure(admin, Topics.TopicSpec.of("swap-requests", 2));
      }
      try (KafkaProducer<byte[], byte[]> p = producer(bs, null)) {
        ServeRuns.publish(p, "models", "m", model, weights(dims, 1), 1);
        long t0 = System.nanoTime();
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < n; i++) {
          p.send(new ProducerRecord<>("requests", i % 2, null, ServeRuns.encode(request("q" + i, dims, r))));
        }
        p.flush();
        System.out.printf("produced %d requests (%d dense features) in %.1f s%n", n, dims,
            (System.nanoTime() - t0) / 1e9);
      }
      double[] wall = new double[runs];
      double[] steady = new double[runs];
      for (int run = 0; run < runs; run++) {
        String preds = "predictions-" + run;
        ServeSpec spec = ServeSpec.fromMap(spec("bench-" + run, "requests", preds));
        long start = System.nanoTime();
        JobClient job = ServeRuns.start(spec, bs, null);
        long[] firstLast = countUntil(bs, preds, n);
        job.cancel().get();
        wall[run] = n / ((firstLast[1] - start) / 1e9);
        steady[run] = (n - firstLast[2]) / ((firstLast[1] - firstLast[0]) / 1e9);
        System.out.printf("run %d: %d predictions %.2f s after submission -> %.0f requests/s end to end;"
            + " %.0f requests/s after the first commit%n", run + 1, n,
            (firstLast[1] - start) / 1e9, wall[run], steady[run]);
      }
      System.out.printf("median of %d: end to end %.0f requests/s, steady state %.0f requests/s%n", runs,
          median(wall), median(steady));
      swapLatency(bs, model, dims, swaps, rate);
    }
  }

  static Map<String, Object> spec(String name, String requests, String predictions) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("topics", Map.of("requests", requests, "models", "models", "predictions", predictions,
        "rejected", name + "-rejected"));
    m.put("checkpoint", Map.of("interval_ms", 1000));
    m.put("source", Map.of("start", "earliest"));
    m.put("parallelism", 2);
    m.put("wait_max", 10_000_000); // requests read before the model topic's version wait for it
    return m;
  }

  static void swapLatency(String bs, Map<String, Object> model, int dims, int swaps, int rate) throws Exception {
    JobClient job = ServeRuns.start(ServeSpec.fromMap(spec("swap", "swap-requests", "swap-predictions")), bs, null);
    AtomicBoolean on = new AtomicBoolean(true);
    Thread requests = new Thread(() -> {
      SplittableRandom r = new SplittableRandom(9);
      try (KafkaProducer<byte[], byte[]> p = producer(bs, null)) {
        long next = System.nanoTime();
        for (long i = 0; on.get(); i++) {
          p.send(new ProducerRecord<>("swap-requests", ServeRuns.encode(request("s" + i, dims, r))));
          next += 1_000_000_000L / rate;
          long wait = next - System.nanoTime();
          if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "swap-requests");
    requests.start();
    Map<Long, Long> committed = new HashMap<>();
    try (KafkaProducer<byte[], byte[]> p = producer(bs, "swap-publisher")) {
      p.initTransactions();
      countUntil(bs, "swap-predictions", 1); // the job has started and serves version 1
      for (int v = 2; v < 2 + swaps; v++) {
        p.beginTransaction();
        ServeRuns.publish(p, "models", "m", model, weights(dims, v), v);
        p.commitTransaction();
        committed.put((long) v, System.currentTimeMillis());
        Thread.sleep(1000);
      }
    }
    Thread.sleep(3000);
    on.set(false);
    requests.join();
    job.cancel().get();
    Map<Long, Long> first = new HashMap<>();
    SpecificDatumReader<Prediction> reader = new SpecificDatumReader<>(Prediction.class);
    for (ConsumerRecord<byte[], byte[]> r : readAll(bs, "swap-predictions", "read_uncommitted")) {
      Prediction q = reader.read(null, DecoderFactory.get().binaryDecoder(r.value(), null));
      first.merge(q.getModelVersion(), r.timestamp(), Math::min);
    }
    double[] lat = new double[swaps];
    for (int v = 2; v < 2 + swaps; v++) {
      lat[v - 2] = first.get((long) v) - committed.get((long) v);
    }
    Arrays.sort(lat);
    System.out.printf("version swap, %d versions at %d requests/s: commit -> first prediction p50 %.0f ms,"
        + " p90 %.0f ms, max %.0f ms (all %s)%n", swaps, rate, lat[swaps / 2], lat[(int) (swaps * 0.9)],
        lat[swaps - 1], Arrays.toString(lat));
  }

  static double[] weights(int dims, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] w = new double[dims + 1];
    for (int i = 0; i < w.length; i++) {
      w[i] = r.nextDouble(-1, 1);
    }
    return w;
  }

  static ScoreRequest request(String id, int dims, SplittableRandom r) {
    List<Double> x = new ArrayList<>(dims);
    for (int d = 0; d < dims; d++) {
      x.add(r.nextGaussian());
    }
    return ScoreRequest.newBuilder().setRequestId(id).setModelId("m").setDense(x)
        .setEventTime(Instant.ofEpochMilli(0)).build();
  }

  static KafkaProducer<byte[], byte[]> producer(String bs, String transactionalId) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bs);
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    p.put("linger.ms", "5");
    p.put("batch.size", String.valueOf(256 * 1024));
    if (transactionalId != null) {
      p.put("transactional.id", transactionalId);
    }
    return new KafkaProducer<>(p);
  }

  /**
   * Counts committed predictions until {@code n}; returns the nano times of the first poll that brought any and of
   * the n-th, and how many that first poll brought.
   */
  static long[] countUntil(String bs, String topic, int n) throws Exception {
    long first = 0;
    long atFirst = 0;
    long count = 0;
    try (KafkaConsumer<byte[], byte[]> c = consumer(bs, "read_committed")) {
      List<TopicPartition> parts = null;
      while (parts == null) {
        var infos = c.partitionsFor(topic, Duration.ofSeconds(10));
        if (infos != null && !infos.isEmpty()) {
          parts = new ArrayList<>();
          for (var pi : infos) {
            parts.add(new TopicPartition(topic, pi.partition()));
          }
        } else {
          Thread.sleep(50);
        }
      }
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos();
      while (count < n) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(count + " of " + n + " predictions on " + topic + " after 15 minutes");
        }
        int got = c.poll(Duration.ofMillis(50)).count();
        count += got;
        if (got > 0 && first == 0) {
          first = System.nanoTime();
          atFirst = count;
        }
      }
    }
    return new long[] {first, System.nanoTime(), atFirst};
  }

  static List<ConsumerRecord<byte[], byte[]>> readAll(String bs, String topic, String isolation) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = consumer(bs, isolation)) {
      List<TopicPartition> parts = new ArrayList<>();
      c.partitionsFor(topic, Duration.ofSeconds(10)).forEach(pi -> parts.add(new TopicPartition(topic,
          pi.partition())));
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  static KafkaConsumer<byte[], byte[]> consumer(String bs, String isolation) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bs);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    p.put("isolation.level", isolation);
    p.put("enable.auto.commit", "false");
    p.put("auto.offset.reset", "earliest");
    return new KafkaConsumer<>(p);
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
