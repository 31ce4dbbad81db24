package io.streamtrain.client;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static io.streamtrain.testing.KafkaTestSupport.producer;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.loss.LogisticLoss;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ModelSpecs;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.ModelSnapshots;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SnapshotAssembler;
import io.streamtrain.io.SnapshotParts;
import io.streamtrain.io.Topics;
import io.streamtrain.io.gen.SampleGenerator;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.TrainingRuns;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The embeddable client against a real broker and a real training job: started before the job has created its
 * model topic, it follows the versions the job publishes while a scoring thread predicts all along (each
 * prediction names its version; versions never go back), ends on the job's last version with its parameters bit
 * for bit, predicts exactly what the core model predicts with those parameters and what the published hashing
 * recipe computes by hand, and never serves a version whose parameters fail their checksum.
 */
class ModelClientIT {
  static final int BITS = 12;
  static final int N = 3000;
  static KafkaBroker broker;

  @BeforeAll
  static void start() {
    broker = KafkaBroker.builder().build().start();
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  static SampleGenerator clicks(long seed) {
    return new SampleGenerator() {
      final SplittableRandom r = new SplittableRandom(seed);
      long i;

      @Override
      public void next(MutableSample s) {
        s.clear();
        s.eventTime = 1_000_000L + i;
        int ad = r.nextInt(500);
        s.addCategorical("ad", "a" + ad);
        s.addCategorical("site", "s" + r.nextInt(50));
        s.addNumeric("hour", r.nextInt(24) / 24.0);
        s.setBinaryLabel(ad % 3 == 0 ? r.nextInt(10) < 8 : r.nextInt(10) < 2);
        i++;
      }

      @Override
      public long index() {
        return i;
      }

      @Override
      public int dimensions() {
        return 0;
      }
    };
  }

  static Example request(SplittableRandom r) {
    return new Example().addCategorical("ad", "a" + r.nextInt(600)).addCategorical("site", "s" + r.nextInt(60))
        .addNumeric("hour", r.nextInt(24) / 24.0);
  }

  @Test
  void followsTheJobsVersionsAndPredictsExactlyWhatTheCorePredicts() throws Exception {
    String bs = broker.bootstrapServers();
    KafkaSettings kafka = KafkaSettings.ofBootstrap(bs);
    try (ModelClient client = ModelClient.follow(kafka, "mc-models", "ctr"::equals)) {
      // The topic does not exist yet: the client waits for it.
      assertThat(client.awaitVersion("ctr", 1, Duration.ofMillis(800))).isNull();
      createTopics(bs, 2, "mc-samples", "mc-metrics", "mc-rejected");
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bs))) {
        Topics.ensure(admin, Topics.TopicSpec.compacted("mc-models", 2));
      }
      produce(bs, "mc-samples", "ctr", clicks(5), N);

      // A scoring thread all along the training: every prediction names a version, never an older one.
      AtomicBoolean scoring = new AtomicBoolean(true);
      List<Long> seen = new ArrayList<>();
      Thread scorer = new Thread(() -> {
        ModelClient.Predictor p = client.predictor("ctr");
        SplittableRandom r = new SplittableRandom(1);
        double[] out = new double[1];
        while (scoring.get()) {
          if (client.current("ctr") == null) {
            Thread.onSpinWait();
            continue;
          }
          long v = p.predict(request(r), out);
          synchronized (seen) {
            if (seen.isEmpty() || seen.get(seen.size() - 1) != v) {
              seen.add(v);
            }
          }
          assertThat(out[0]).isBetween(0.0, 1.0);
        }
      });
      scorer.start();

      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", "mc");
      m.put("model", Map.of("type", "logistic", "features", Map.of("hash_bits", BITS)));
      m.put("optimizer", Map.of("type", "ftrl", "lr", 0.1));
      m.put("batching", Map.of("batch_size", 16, "shuffle_capacity", 64, "seed", 3));
      m.put("topics", Map.of("samples", "mc-samples", "metrics", "mc-metrics", "models", "mc-models", "rejected",
          "mc-rejected"));
      m.put("snapshots", Map.of("every_steps", 20));
      m.put("checkpoint", Map.of("interval_ms", 500));
      m.put("parallelism", 1);
      m.put("source", Map.of("bounded", true));
      TrainingRuns.runBounded(JobSpec.fromMap(m), bs, "mc");

      SnapshotAssembler.Assembled last = ModelSnapshots.read(kafka, "mc-models", "ctr"::equals, null, "test")
          .get("ctr");
      assertThat(last.version()).isGreaterThanOrEqualTo(5);
      ModelClient.Version held = client.awaitVersion("ctr", last.version(), Duration.ofSeconds(60));
      assertThat(held).isNotNull();
      assertThat(held.version()).isEqualTo(last.version());
      assertThat(held.step()).isEqualTo(last.head().getStep());
      assertThat(TrainingRuns.bits(held.params())).isEqualTo(TrainingRuns.bits(last.parameters()));
      scoring.set(false);
      scorer.join();
      synchronized (seen) {
        assertThat(seen).isNotEmpty().isSorted();
        assertThat(seen.get(seen.size() - 1)).isLessThanOrEqualTo(last.version());
      }

      // Predictions: the core model's with the published parameters, and the hashing recipe by hand.
      Model core = ModelSpecs.fromSpec(new SpecReader("m", ModelSnapshots.modelSpec(last.head(), "m"))).newModel(1);
      double[] w = last.parameters();
      int bias = 1 << BITS;
      ModelClient.Predictor p = client.predictor("ctr");
      assertThat(p.outputs()).isEqualTo(1);
      SplittableRandom r = new SplittableRandom(2);
      double[] got = new double[1];
      double[] want = new double[1];
      int distinct = 0;
      for (int i = 0; i < 500; i++) {
        Example e = request(r);
        assertThat(p.predict(e, got)).isEqualTo(last.version());
        core.predict(w, new double[0], e, want);
        assertThat(Double.doubleToRawLongBits(got[0])).isEqualTo(Double.doubleToRawLongBits(want[0]));
        double z = 0;
        FeatureSpace space = FeatureSpace.of(0, 0, BITS);
        for (int f = 0; f < e.categoricalLength(); f++) {
          z += w[space.hashedColumn(e.categoricalName(f), e.categoricalValue(f))]
              * space.hashedSign(e.categoricalName(f), e.categoricalValue(f));
        }
        z += w[space.hashedColumn("hour", null)] * space.hashedSign("hour", null) * e.numericValue(0);
        assertThat(got[0]).isCloseTo(LogisticLoss.sigmoid(w[bias] + z), org.assertj.core.data.Offset.offset(1e-12));
        distinct += got[0] != 0.5 ? 1 : 0;
      }
      assertThat(distinct).isGreaterThan(400);

      // A newer version whose parameters do not match their checksum is never served.
      ConsumerRecord<byte[], byte[]> head = readAll(bs, "mc-models").stream()
          .filter(x -> {
            ModelSnapshot s = SnapshotParts.decode(x.value());
            return s != null && s.getVersion() == last.version() && s.getPart() == 0;
          }).findFirst().orElseThrow();
      ModelSnapshot bad = SnapshotParts.decode(head.value());
      assertThat(bad.getParts()).isEqualTo(1);
      bad.setVersion(last.version() + 1);
      bad.setChecksum(bad.getChecksum() ^ 1);
      try (var prod = producer(bs)) {
        prod.send(new ProducerRecord<>("mc-models", head.partition(), head.key(), avro(bad))).get();
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (client.corruptVersions() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(client.corruptVersions()).isEqualTo(1);
      assertThat(client.current("ctr").version()).isEqualTo(last.version());
    }
  }

  static byte[] avro(ModelSnapshot s) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<>(ModelSnapshot.class).write(s, e);
    e.flush();
    return out.toByteArray();
  }
}
