package io.streamtrain.bench;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.client.ModelClient;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.core.train.TrainingConfig;
import io.streamtrain.flink.training.Snapshots;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.SnapshotParts;
import io.streamtrain.io.Topics;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Version-swap latency of {@link ModelClient}: from the moment a new snapshot version is handed to the producer
 * (all its parts, flushed) to the moment the client serves it, on an in-process broker, for a hashed logistic
 * model of 2^10 + 1 parameters (one record) and of 2^20 + 1 (8 MB, 17 parts). Prints p50, p90 and max over the
 * versions. A scripted benchmark, not a test.
 *
 * <p>Arguments: {@code [versions=40]}.
 */
public final class VersionSwapBench {
  private VersionSwapBench() {}

  public static void main(String[] args) throws Exception {
    int versions = Integer.parseInt(BenchArgs.parse(args, Map.of("versions", "40")).get("versions"));
    try (KafkaBroker broker = KafkaBroker.builder().build().start()) {
      String bs = broker.bootstrapServers();
      for (int bits : new int[] {10, 20}) {
        String topic = "swap-" + bits;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bs))) {
          Topics.ensure(admin, Topics.TopicSpec.compacted(topic, 1));
        }
        Map<String, Object> model = Map.of("type", "logistic", "features", Map.of("hash_bits", bits), "init", "normal");
        TrainingConfig cfg = JobSpec.fromMap(Map.of("model", model, "optimizer", Map.of("type", "sgd", "lr", 0.1)))
            .configs().get(0);
        ModelTrainer trainer = new ModelTrainer(cfg);
        TrainerState s = trainer.newState("m");
        List<Double> millis = new ArrayList<>();
        int parts = 0;
        try (ModelClient client = ModelClient.follow(KafkaSettings.ofBootstrap(bs), topic, "m"::equals);
            KafkaProducer<byte[], byte[]> p = producer(bs)) {
          for (int v = 1; v <= versions; v++) {
            s.params[0] = v; // a different version each time
            List<byte[]> records = new ArrayList<>();
            Snapshots.publish(s, trainer.model(), model, v, v, snap -> records.add(avro(snap)));
            parts = records.size();
            long t0 = System.nanoTime();
            for (int i = 0; i < records.size(); i++) {
              byte[] key = SnapshotParts.key(SnapshotParts.decode(records.get(i)))
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8);
              p.send(new ProducerRecord<>(topic, key, records.get(i)));
            }
            p.flush();
            if (client.awaitVersion("m", v, Duration.ofSeconds(60)) == null) {
              throw new IllegalStateException("version " + v + " never arrived");
            }
            if (v > 3) { // the first versions include the client's start and the JIT
              millis.add((System.nanoTime() - t0) / 1e6);
            }
          }
        }
        double[] m = millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf("2^%d + 1 parameters (%d record(s) a version): swap latency p50 %.1f ms, p90 %.1f ms,"
            + " max %.1f ms over %d versions%n", bits, parts, m[m.length / 2], m[(int) (m.length * 0.9)],
            m[m.length - 1], m.length);
        Arrays.fill(s.params, 0);
      }
    }
  }

  static KafkaProducer<byte[], byte[]> producer(String bs) {
    return new KafkaProducer<>(Map.of("bootstrap.servers", bs, "linger.ms", 0, "max.request.size", 2 << 20),
        new org.apache.kafka.common.serialization.ByteArraySerializer(),
        new org.apache.kafka.common.serialization.ByteArraySerializer());
  }

  static byte[] avro(ModelSnapshot s) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
      new SpecificDatumWriter<>(ModelSnapshot.class).write(s, e);
      e.flush();
      return out.toByteArray();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
