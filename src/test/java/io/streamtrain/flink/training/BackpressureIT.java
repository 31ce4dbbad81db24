package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.cli.JsonSpecs;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.io.gen.SampleGenerator;
import io.streamtrain.local.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backpressure with bounded memory, and consumer lag in the metrics. A producer writes a backlog far faster than
 * the job trains (an MLP on wide dense inputs), at full speed while the job runs; the topic's bytes are several
 * times the training JVM's heap. The job runs as the user runs it, {@code streamtrain train SPEC} in its own JVM
 * with a small {@code -Xmx} and {@code -XX:+ExitOnOutOfMemoryError}, so a heap that grew with the backlog would end
 * the process. Proven: it drains the whole backlog without OutOfMemoryError, every sample is trained exactly once
 * (metrics read with read_committed: steps 1..K once each, the samples sum to the backlog); the heap after a full
 * GC (forced with jcmd at four points of the drain, read from the JVM's own GC log) stays flat instead of growing
 * with the backlog; {@code consumer_lag} is large while the backlog drains and near zero at the end, and every
 * reported value lies within what the broker's end offsets and the job's trained count allow around its report
 * time. The figures are printed for docs/reliability.md.
 */
class BackpressureIT {
  static final int PARTITIONS = 2;
  static final int DIMS = 512;
  static final int HIDDEN = 128;
  static final int SAMPLES = 136_000;
  static final int WARM_UP = 2_000;
  static final int BATCH = 32;
  static final int CAPACITY = 512;
  static final int HEAP_MB = 128;
  static final String MODEL = "bp-model";
  static final long T0 = 1_700_000_000_000L;
  static final long IDLE_GAP_MS = 100_000_000L;
  /**
   * How old the lag in a report may be: one probe interval (1 s) plus the probe's own request, the marker's way to
   * the trainer and the scheduling noise of a shared 2-core machine.
   */
  static final long LAG_AGE_MS = 4_000;

  record EndSample(long atMs, long endOffsets) {}

  @Test
  void aBacklogManyTimesTheHeapDrainsInBoundedMemoryWithLagReported(@TempDir Path dir) throws Exception {
    Process trainer = null;
    AtomicBoolean sampling = new AtomicBoolean(true);
    Thread sampler = null;
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      createTopics(bs, PARTITIONS, "bp-samples");
      createTopics(bs, 1, "bp-metrics", "bp-models", "bp-rejected");

      // The broker's end offsets, sampled every 100 ms by the test (independent of the job's own probe).
      List<EndSample> ends = new CopyOnWriteArrayList<>();
      sampler = new Thread(() -> {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bs))) {
          Map<TopicPartition, OffsetSpec> q = new HashMap<>();
          for (int p = 0; p < PARTITIONS; p++) {
            q.put(new TopicPartition("bp-samples", p), OffsetSpec.latest());
          }
          while (sampling.get()) {
            long before = System.currentTimeMillis();
            long sum = 0;
            for (var e : admin.listOffsets(q).all().get(10, TimeUnit.SECONDS).values()) {
              sum += e.offset();
            }
            ends.add(new EndSample(before, sum));
            Thread.sleep(100);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (Exception e) {
          throw new IllegalStateException("end offset sampler failed", e);
        }
      }, "end-offset-sampler");
      sampler.setDaemon(true);
      sampler.start();

      Path spec = dir.resolve("bp-job.json");
      Files.writeString(spec, JsonSpecs.write(spec(dir)));
      // The training JVM's output and GC log stay under target/ for a look after the run.
      Path keep = Path.of("target", "backpressure-it").toAbsolutePath();
      Files.createDirectories(keep);
      Path gcLog = keep.resolve("gc.log");
      Path log = keep.resolve("train.log");
      Files.deleteIfExists(gcLog);
      // A first few samples, so the job is seen training before the backlog comes; then the producer writes the
      // rest at full speed while the job trains.
      produceBacklog(bs, 0, WARM_UP);
      trainer = startTrainer(spec, bs, gcLog, log);
      long pid = trainer.pid();
      final Process proc = trainer;
      Awaitility.await("the job trains").atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(500)).ignoreExceptionsInstanceOf(org.apache.kafka.common.KafkaException.class)
          .failFast("the training process ended (see " + log + ")", () -> !proc.isAlive())
          .until(() -> maxSamplesSeen(metrics(bs)) > 0);
      AtomicReference<Throwable> produceFailure = new AtomicReference<>();
      Thread producer = new Thread(() -> {
        try {
          produceBacklog(bs, WARM_UP, SAMPLES);
        } catch (Throwable t) {
          produceFailure.set(t);
        }
      }, "backlog-producer");
      long produceStart = System.currentTimeMillis();
      producer.start();
      producer.join(TimeUnit.MINUTES.toMillis(3));
      assertThat(produceFailure.get()).as("producer").isNull();
      long producedAt = System.currentTimeMillis();
      long backlogBytes = topicBytes(bs, "bp-samples");

      // Drain: a full GC at four points of the drain, so the GC log shows the live heap as the backlog falls.
      List<Long> fullGcAtSamples = new ArrayList<>();
      Awaitility.await("all but the shuffle buffer trained").atMost(Duration.ofMinutes(4))
          .pollInterval(Duration.ofMillis(500)).ignoreExceptionsInstanceOf(org.apache.kafka.common.KafkaException.class)
          .failFast("the training process ended (see " + log + ")", () -> !proc.isAlive())
          .until(() -> {
            long trained = maxSamplesSeen(metrics(bs));
            if (fullGcAtSamples.size() < 4 && trained >= (fullGcAtSamples.size() + 1) * (long) SAMPLES / 5) {
              fullGcAtSamples.add(trained);
              // A class histogram starts with a full GC: the live heap at this point, and what it is made of.
              jcmd(pid, "GC.class_histogram", keep.resolve("histogram-" + fullGcAtSamples.size() + ".txt"));
            }
            return trained >= SAMPLES - CAPACITY;
          });
      // Event time passes every model's idle gap: an unaccepted sentinel on each partition moves the watermark,
      // the batcher flushes what its buffer holds, and the last reports come out.
      sendSentinels(bs);
      List<TrainingMetrics> all = new ArrayList<>();
      Awaitility.await("every sample reported").atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(500)).ignoreExceptionsInstanceOf(org.apache.kafka.common.KafkaException.class)
          .failFast("the training process ended (see " + log + ")", () -> !proc.isAlive())
          .until(() -> {
            List<TrainingMetrics> m = metrics(bs);
            all.clear();
            all.addAll(m);
            return m.stream().mapToLong(TrainingMetrics::getSamplesInReport).sum() >= SAMPLES;
          });
      jcmd(pid, "GC.class_histogram", keep.resolve("histogram-end.txt"));
      assertThat(trainer.isAlive()).isTrue();
      trainer.destroy();
      trainer.waitFor(60, TimeUnit.SECONDS);
      sampling.set(false);
      sampler.join(10_000);

      String output = Files.readString(log);
      assertThat(output).doesNotContain("OutOfMemoryError");

      // Exactly once: one report per batch, steps 1..K each once, the samples sum to the backlog.
      all.sort(Comparator.comparingLong(TrainingMetrics::getStep));
      long steps = (SAMPLES + BATCH - 1) / BATCH;
      assertThat(all).extracting(TrainingMetrics::getStep).doesNotHaveDuplicates();
      assertThat(all.get(all.size() - 1).getStep()).isGreaterThanOrEqualTo(steps);
      assertThat(all.stream().mapToLong(TrainingMetrics::getSamplesInReport).sum()).isEqualTo(SAMPLES);
      assertThat(all.get(all.size() - 1).getSamplesSeen()).isEqualTo(SAMPLES);

      // Heap: the live heap after each forced full GC, and the largest heap after any GC.
      List<long[]> gcs = parseGcLog(gcLog);
      List<Long> drainFull = gcs.stream().filter(g -> g[2] == 2).map(g -> g[1]).toList();
      long peakAfterAny = gcs.stream().mapToLong(g -> g[1]).max().orElseThrow();
      assertThat(drainFull).as("forced full GCs in %s", gcLog).hasSize(fullGcAtSamples.size() + 1);

      // Lag: the report's value against the broker's end offsets and the trained count around its time.
      List<ConsumerRecord<byte[], byte[]>> raw = readAll(bs, "bp-metrics");
      Map<Long, Long> reportTime = new HashMap<>();
      for (int i = 0; i < raw.size(); i++) {
        TrainingMetrics m = decodeAll(List.of(raw.get(i)), TrainingMetrics.class).get(0);
        reportTime.put(m.getStep(), raw.get(i).timestamp());
      }
      long peakLag = 0;
      int withLag = 0;
      int checked = 0;
      long worstMiss = 0;
      String worstReport = "";
      List<String> curve = new ArrayList<>();
      long nextCurve = 0;
      long firstReport = reportTime.values().stream().mapToLong(Long::longValue).min().orElseThrow();
      for (TrainingMetrics m : all) {
        if (m.getConsumerLag() == null) {
          continue;
        }
        withLag++;
        long lag = m.getConsumerLag();
        peakLag = Math.max(peakLag, lag);
        long t = reportTime.get(m.getStep());
        if (t >= nextCurve) {
          curve.add(String.format("%.0fs:%d", (t - firstReport) / 1000.0, lag));
          nextCurve = t + 2_000;
        }
        // The lag was measured at some t' in [t - LAG_AGE_MS, t]: with end offsets of at least E(t - age) and at most
        // E(t), and a read position between the samples trained by t - age and those trained by t plus what sits
        // in the shuffle buffer and Flink's buffers (CAPACITY + a few network buffers).
        long endLo = endAtOrBefore(ends, t - LAG_AGE_MS - 1_000);
        long endHi = endAtOrAfter(ends, t + 200);
        long trainedLo = trainedAt(all, reportTime, t - LAG_AGE_MS);
        long trainedHi = m.getSamplesSeen();
        long lo = endLo - trainedHi - CAPACITY - 2_000;
        long hi = endHi - trainedLo;
        if (lag < lo || lag > hi) {
          long miss = lag < lo ? lo - lag : lag - hi;
          if (miss > worstMiss) {
            worstMiss = miss;
            worstReport = String.format("step %d at %+d ms: lag %d outside [%d, %d] (ends %d..%d, trained %d..%d)",
                m.getStep(), t - firstReport, lag, lo, hi, endLo, endHi, trainedLo, trainedHi);
          }
        }
        checked++;
      }
      TrainingMetrics last = all.get(all.size() - 1);
      double heapRatio = backlogBytes / (HEAP_MB * 1024.0 * 1024.0);
      System.out.printf(
          "backpressure: %d samples of %d doubles, backlog %.0f MB on the topic = %.1f x the training heap "
              + "(-Xmx%dm); produced in %.1f s; full-GC live heap during the drain %s MB; peak heap after any GC %d MB;"
              + " %d of %d reports carry consumer_lag, peak %d, last %d; lag curve (s after the first report: lag) %s, the"
              + " producer ran from %.1f s to %.1f s%n",
          SAMPLES, DIMS, backlogBytes / 1e6, heapRatio, HEAP_MB,
          (producedAt - produceStart) / 1000.0, drainFull, peakAfterAny, withLag, all.size(), peakLag,
          last.getConsumerLag(), curve, (produceStart - firstReport) / 1000.0, (producedAt - firstReport) / 1000.0);
      assertThat(heapRatio).as("backlog bytes / heap").isGreaterThanOrEqualTo(3.0);
      assertThat(peakAfterAny).isLessThan(HEAP_MB);
      // Flat: the live heap late in the drain is no larger than early in it, within a GC's noise.
      assertThat(drainFull.get(drainFull.size() - 1)).isLessThanOrEqualTo(drainFull.get(0) + 16);
      assertThat(withLag).isGreaterThan(all.size() / 2);
      assertThat(peakLag).as("lag while the backlog drains").isGreaterThan(SAMPLES / 3);
      assertThat(last.getConsumerLag()).as("lag at the end").isNotNull().isLessThan(SAMPLES / 50);
      assertThat(worstMiss).as("largest distance of a reported lag outside its bracket (%d checked): %s", checked,
              worstReport)
          .isZero();
    } finally {
      sampling.set(false);
      if (trainer != null && trainer.isAlive()) {
        trainer.destroyForcibly();
        trainer.waitFor(30, TimeUnit.SECONDS);
      }
      if (sampler != null) {
        sampler.interrupt();
      }
    }
  }

  static Map<String, Object> spec(Path dir) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "bp-job");
    m.put("accept", MODEL);
    m.put("model", Map.of("type", "mlp", "layers", List.of(DIMS, HIDDEN, 1), "activation", "tanh",
        "head", "logistic", "seed", 5));
    m.put("optimizer", Map.of("type", "adam", "lr", 0.001));
    m.put("batching", Map.of("batch_size", BATCH, "shuffle_capacity", CAPACITY, "seed", 11,
        "idle_gap_ms", IDLE_GAP_MS));
    m.put("topics", Map.of("samples", "bp-samples", "metrics", "bp-metrics", "models", "bp-models",
        "rejected", "bp-rejected"));
    m.put("snapshots", Map.of("every_steps", 1000));
    m.put("metrics", Map.of("every_batches", 1));
    m.put("checkpoint", Map.of("interval_ms", 1000, "storage", dir.resolve("checkpoints").toUri().toString()));
    m.put("parallelism", 1);
    m.put("diagnostics", Map.of("enabled", false));
    return m;
  }

  static Process startTrainer(Path spec, String bootstrap, Path gcLog, Path log) throws Exception {
    return io.streamtrain.testing.CliProcess.start(
        List.of("-Xmx" + HEAP_MB + "m", "-XX:+ExitOnOutOfMemoryError", "-Xlog:gc:file=" + gcLog),
        List.of("train", spec.toString(), "--bootstrap", bootstrap), log, log);
  }

  /** Samples {@code from} until {@code to} of MODEL, round robin over the partitions, uncompressed, at full speed. */
  static void produceBacklog(String bootstrap, int from, int to) throws Exception {
    SampleGenerator gen = Generators.create("linear", Map.of("dims", DIMS), 21);
    SampleCodec codec = new SampleCodec();
    MutableSample s = new MutableSample();
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (KafkaProducer<byte[], byte[]> p = producer(bootstrap)) {
      byte[] key = MODEL.getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < to; i++) {
        gen.next(s);
        if (i < from) {
          continue; // the generator's sequence is the same whichever part is produced
        }
        s.modelId = MODEL;
        s.eventTime = T0 + i;
        p.send(new ProducerRecord<>("bp-samples", i % PARTITIONS, key, codec.encode(s)), (md, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          }
        });
      }
      p.flush();
    }
    if (failure.get() != null) {
      throw failure.get();
    }
  }

  static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    p.put("linger.ms", "5");
    p.put("batch.size", String.valueOf(512 * 1024));
    p.put("acks", "all");
    p.put("enable.idempotence", "true");
    p.put("delivery.timeout.ms", "120000");
    return new KafkaProducer<>(p);
  }

  /** One record per partition of a model the job does not train, with an event time past every idle gap. */
  static void sendSentinels(String bootstrap) throws Exception {
    SampleCodec codec = new SampleCodec();
    MutableSample s = new MutableSample();
    Generators.create("linear", Map.of("dims", DIMS), 1).next(s);
    s.modelId = "end-of-backlog";
    s.eventTime = T0 + SAMPLES + 2 * IDLE_GAP_MS;
    try (KafkaProducer<byte[], byte[]> p = producer(bootstrap)) {
      for (int part = 0; part < PARTITIONS; part++) {
        p.send(new ProducerRecord<>("bp-samples", part, null, codec.encode(s))).get();
      }
    }
  }

  static List<TrainingMetrics> metrics(String bs) throws Exception {
    return decodeAll(readAll(bs, "bp-metrics"), TrainingMetrics.class);
  }

  static long maxSamplesSeen(List<TrainingMetrics> m) {
    return m.stream().mapToLong(TrainingMetrics::getSamplesSeen).max().orElse(0);
  }

  /** Bytes the topic takes on the broker's disk (all partitions). */
  static long topicBytes(String bs, String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bs))) {
      int broker = admin.describeCluster().nodes().get().iterator().next().id();
      long bytes = 0;
      var dirs = admin.describeLogDirs(List.of(broker)).allDescriptions().get().get(broker);
      for (var d : dirs.values()) {
        for (var e : d.replicaInfos().entrySet()) {
          if (e.getKey().topic().equals(topic)) {
            bytes += e.getValue().size();
          }
        }
      }
      return bytes;
    }
  }

  /** Runs a jcmd diagnostic command in the training JVM; its output goes to {@code out}. */
  static void jcmd(long pid, String command, Path out) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
    byte[] text = p.getInputStream().readAllBytes();
    p.waitFor(60, TimeUnit.SECONDS);
    Files.write(out, text);
  }

  private static final Pattern GC_LINE =
      Pattern.compile("\\[([0-9.]+)s\\].*GC\\(\\d+\\) (Pause [^()]*)(.*?) (\\d+)M->(\\d+)M\\((\\d+)M\\)");

  /** Every GC of the log as {before MB, after MB, kind: 2 the full GC of a jcmd histogram, 1 another full GC, 0 other}. */
  static List<long[]> parseGcLog(Path gcLog) throws Exception {
    List<long[]> out = new ArrayList<>();
    for (String line : Files.readAllLines(gcLog)) {
      Matcher m = GC_LINE.matcher(line);
      if (m.find()) {
        boolean full = m.group(2).startsWith("Pause Full");
        boolean forced = full && m.group(3).contains("Heap Inspection Initiated GC");
        out.add(new long[] {Long.parseLong(m.group(4)), Long.parseLong(m.group(5)), forced ? 2 : full ? 1 : 0});
      }
    }
    return out;
  }

  static long endAtOrBefore(List<EndSample> ends, long t) {
    long v = 0;
    for (EndSample e : ends) {
      if (e.atMs() <= t) {
        v = e.endOffsets();
      }
    }
    return v;
  }

  static long endAtOrAfter(List<EndSample> ends, long t) {
    for (EndSample e : ends) {
      if (e.atMs() >= t) {
        return e.endOffsets();
      }
    }
    return ends.get(ends.size() - 1).endOffsets();
  }

  /** Samples trained by the last report at or before {@code t}. */
  static long trainedAt(List<TrainingMetrics> all, Map<Long, Long> reportTime, long t) {
    long v = 0;
    for (TrainingMetrics m : all) {
      if (reportTime.get(m.getStep()) <= t) {
        v = Math.max(v, m.getSamplesSeen());
      }
    }
    return v;
  }
}
