package io.streamtrain.flink.parallel;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.flink.training.KafkaTrainingIo;
import io.streamtrain.flink.training.SampleRecord;
import io.streamtrain.flink.training.TrainingJob;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.io.gen.SampleGenerator;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.KafkaTestSupport;
import io.streamtrain.testing.TrainingRuns;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * One model trained by two workers through the real broker and a Flink MiniCluster, the merged rounds looping
 * through the rounds topic: two runs over the same topic end on the same parameters and the same per-round
 * reports, every sample is trained once, every rejected sample is published and counted once, and a run that fails
 * twice mid-stream and restarts from its checkpoints ends bit-identical to them.
 */
class ParallelTrainingIT {
  static final int PARTITIONS = 4;
  static final int N = 24_000;
  /** Samples of the model that validation rejects (a negative weight), one every 2,000 good ones, on every partition. */
  static final int BAD = 12;

  /** Failures fired so far, across restarts (in-JVM only). */
  static final AtomicInteger FIRED = new AtomicInteger();
  static final AtomicInteger SEEN = new AtomicInteger();

  /** Throws at the 7,000th and 15,000th sample it sees (counted over all attempts, so each fires once). */
  static final class Fault implements MapFunction<SampleRecord, SampleRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public SampleRecord map(SampleRecord r) {
      int n = SEEN.incrementAndGet();
      if ((n == 7_000 || n == 15_000) && FIRED.incrementAndGet() <= 2) {
        throw new IllegalStateException("injected failure at sample " + n);
      }
      return r;
    }
  }

  @Test
  void twoWorkersAreDeterministicAndRecoverBitForBit() throws Exception {
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      createTopics(bs, PARTITIONS, "pt-samples");
      createTopics(bs, 2, "pa-metrics", "pa-models", "pa-rejected", "pb-metrics", "pb-models", "pb-rejected",
          "pf-metrics", "pf-models", "pf-rejected");
      produceSpread(bs, "pt-samples", "global", Generators.create("hyperplane", Map.of("dims", 8), 11), N);

      run(bs, spec("pa-job", "pa-"), false);
      run(bs, spec("pb-job", "pb-"), false);
      run(bs, spec("pf-job", "pf-"), true);
      assertThat(FIRED.get()).isEqualTo(2);

      List<ModelSnapshot> a = decodeAll(readAll(bs, "pa-models"), ModelSnapshot.class);
      ModelSnapshot lastA = TrainingRuns.lastSnapshot(a, "global");
      for (String run : List.of("pb", "pf")) {
        ModelSnapshot last = TrainingRuns.lastSnapshot(decodeAll(readAll(bs, run + "-models"), ModelSnapshot.class),
            "global");
        assertThat(TrainingRuns.bits(last.getParameters())).as(run).isEqualTo(TrainingRuns.bits(lastA.getParameters()));
        assertThat(last.getSamplesSeen()).as(run).isEqualTo(N);
        assertThat(last.getVersion()).as(run).isEqualTo(lastA.getVersion());
        // Stamped with the data's event time, not the wall clock: the same on every run.
        assertThat(last.getCreatedAt()).as(run).isEqualTo(lastA.getCreatedAt()).isAfter(java.time.Instant.EPOCH);
      }
      List<String> roundsA = rounds(decodeAll(readAll(bs, "pa-metrics"), TrainingMetrics.class));
      // 6,000 samples a partition in rounds of 1,000: 6 rounds, each 4,000 samples (2,000 per worker).
      assertThat(roundsA).hasSize(6);
      assertThat(roundsA.get(0)).contains("4000 samples").contains("[2000, 2000]");
      for (String run : List.of("pb", "pf")) {
        assertThat(rounds(decodeAll(readAll(bs, run + "-metrics"), TrainingMetrics.class))).as(run)
            .isEqualTo(roundsA);
      }
      // Consumer lag per worker, from the source readers' figures (timing-dependent, so only their form and sum are
      // checked): consumer_lag is the sum of the workers' figures, absent while no worker has one.
      for (TrainingMetrics x : decodeAll(readAll(bs, "pa-metrics"), TrainingMetrics.class)) {
        java.util.regex.Matcher g = java.util.regex.Pattern.compile("consumer lag per worker \\[(n/a|\\d+), (n/a|\\d+)\\]")
            .matcher(x.getEvents().get(0).getMessage());
        assertThat(g.find()).as(x.getEvents().get(0).getMessage()).isTrue();
        Long sum = null;
        for (String v : List.of(g.group(1), g.group(2))) {
          sum = v.equals("n/a") ? sum : Long.valueOf((sum == null ? 0 : sum) + Long.parseLong(v));
        }
        assertThat(x.getConsumerLag()).isEqualTo(sum);
      }
      List<TrainingMetrics> m = decodeAll(readAll(bs, "pf-metrics"), TrainingMetrics.class);
      assertThat(m.stream().mapToLong(TrainingMetrics::getSamplesInReport).sum()).isEqualTo(N);
      // Rejected samples: each on the rejected topic once, and counted once in the reports, also across the restarts.
      for (String run : List.of("pa", "pb", "pf")) {
        assertThat(readAll(bs, run + "-rejected")).as(run).hasSize(BAD);
        List<TrainingMetrics> r = decodeAll(readAll(bs, run + "-metrics"), TrainingMetrics.class);
        assertThat(r.get(r.size() - 1).getRejectedSamples()).as(run).isEqualTo(BAD);
        for (int i = 1; i < r.size(); i++) {
          assertThat(r.get(i).getRejectedSamples()).isGreaterThanOrEqualTo(r.get(i - 1).getRejectedSamples());
        }
      }
      // It learned: the last round's progressive loss is well below the first's (log 2 = 0.693 at the start).
      assertThat(m.get(m.size() - 1).getLossMean()).isLessThan(m.get(0).getLossMean());

      // Replay of the same topic with the job's configuration (parallel section included) runs the same rounds in
      // one thread: its final model is the job's last snapshot, bit for bit; a single-trainer configuration beside
      // it ends elsewhere.
      Map<String, Object> parallel = new LinkedHashMap<>(spec("pa-job", "pa-").raw());
      parallel.keySet().retainAll(List.of("model", "optimizer", "batching", "parallel"));
      parallel.put("name", "par");
      Map<String, Object> single = new LinkedHashMap<>(parallel);
      single.remove("parallel");
      single.put("name", "single");
      Map<String, Object> replay = new LinkedHashMap<>();
      replay.put("name", "pt-replay");
      replay.put("source", Map.of("topic", "pt-samples"));
      replay.put("configs", List.of(parallel, single));
      replay.put("baseline", false);
      java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("pt-replay");
      replay.put("output", Map.of("report", dir.resolve("r.json").toString(), "charts", dir.toString()));
      io.streamtrain.replay.ReplayOutcome out = io.streamtrain.replay.ReplayRunner.run(
          new io.streamtrain.replay.ReplaySpec(replay, java.nio.file.Path.of(".")), KafkaSettings.ofBootstrap(bs),
          x -> { });
      io.streamtrain.flink.replay.FinalModel par = out.finals().stream().filter(f -> f.config.equals("par"))
          .findFirst().orElseThrow();
      assertThat(TrainingRuns.bits(par.params)).isEqualTo(TrainingRuns.bits(lastA.getParameters()));
      assertThat(par.samplesTrained).isEqualTo(N);
      assertThat(par.steps).isEqualTo(lastA.getStep());
      io.streamtrain.flink.replay.FinalModel one = out.finals().stream().filter(f -> f.config.equals("single"))
          .findFirst().orElseThrow();
      assertThat(TrainingRuns.bits(one.params)).isNotEqualTo(TrainingRuns.bits(lastA.getParameters()));
      assertThat(one.samplesTrained).isEqualTo(N);
    }
  }

  /** "round loss" of every merged round, in order (the loss printed in full: equal strings, equal doubles). */
  static List<String> rounds(List<TrainingMetrics> metrics) {
    return metrics.stream().filter(x -> x.getModelId().equals("global"))
        .map(x -> x.getEvents().get(0).getMessage()
            .replaceAll("consumer lag per worker \\[[^]]*\\]; ", "")
            .replaceAll("longest wait for a merge \\d+ ms; round period (n/a|\\d+ ms); ", "")
            + " loss " + x.getLossMean() + " step " + x.getStep())
        .toList();
  }

  /** Produces {@code n} samples of one model over every partition in turn (round robin), no key. */
  static void produceSpread(String bs, String topic, String modelId, SampleGenerator gen, int n) {
    SampleCodec codec = new SampleCodec();
    MutableSample s = new MutableSample();
    try (KafkaProducer<byte[], byte[]> p = KafkaTestSupport.producer(bs)) {
      for (int i = 0; i < n; i++) {
        gen.next(s);
        s.modelId = modelId;
        p.send(new ProducerRecord<>(topic, i % PARTITIONS, null, codec.encode(s)));
        if (i % (n / BAD) == n / BAD / 2) {
          s.setWeight(-1); // rejected at validation: counted in the reports, never trained on
          p.send(new ProducerRecord<>(topic, i % PARTITIONS, null, codec.encode(s)));
        }
      }
      p.flush();
    }
  }

  static JobSpec spec(String name, String prefix) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("model", Map.of("type", "logistic", "features", Map.of("dense", 8)));
    m.put("optimizer", Map.of("type", "adam", "lr", 0.02));
    m.put("batching", Map.of("batch_size", 32, "shuffle_capacity", 256, "seed", 7));
    m.put("topics", Map.of("samples", "pt-samples", "metrics", prefix + "metrics", "models", prefix + "models",
        "rejected", prefix + "rejected"));
    m.put("snapshots", Map.of("every_steps", 200));
    m.put("checkpoint", Map.of("interval_ms", 200));
    m.put("parallelism", 2);
    m.put("source", Map.of("bounded", true));
    m.put("parallel", Map.of("workers", 2, "round_samples", 1000, "staleness", 1));
    return JobSpec.fromMap(m);
  }

  static void run(String bs, JobSpec spec, boolean fail) throws Exception {
    Configuration conf = new Configuration();
    if (fail) {
      conf.setString("restart-strategy.type", "fixed-delay");
      conf.setString("restart-strategy.fixed-delay.attempts", "5");
      conf.setString("restart-strategy.fixed-delay.delay", "200 ms");
    } else {
      conf.setString("restart-strategy.type", "none");
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(spec.parallelism(), conf);
    TrainingJob.configure(env, spec);
    TrainingJob job = KafkaTrainingIo.job(spec, KafkaSettings.ofBootstrap(bs));
    if (fail) {
      job.withSampleInterceptor(s -> s.map(new Fault()).returns(SampleRecord.TYPE).name("fault"));
    }
    job.build(env);
    env.execute(spec.name());
  }
}
