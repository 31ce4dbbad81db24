package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.DiagnosticValue;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The training job end to end with a real in-JVM KRaft broker and a Flink MiniCluster at parallelism 2: samples
 * from Kafka, metrics, snapshots and rejected samples on their topics, decoded with the schemas.
 */
class TrainingJobIT {
  private static KafkaBroker broker;

  @BeforeAll
  static void startBroker() {
    broker = KafkaBroker.startTemporary();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  static Map<String, Object> spec(String name, String prefix, Map<String, Object> model, Map<String, Object> opt) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("model", model);
    m.put("optimizer", opt);
    m.put("batching", Map.of("batch_size", 32, "shuffle_capacity", 256, "seed", 7));
    m.put("topics", Map.of("samples", prefix + "samples", "metrics", prefix + "metrics", "models",
        prefix + "models", "rejected", prefix + "rejected"));
    m.put("snapshots", Map.of("every_steps", 100));
    m.put("metrics", Map.of("every_batches", 20));
    m.put("checkpoint", Map.of("interval_ms", 500));
    m.put("parallelism", 2);
    m.put("source", Map.of("bounded", true));
    return m;
  }

  static void run(JobSpec spec) throws Exception {
    org.apache.flink.configuration.Configuration conf = new org.apache.flink.configuration.Configuration();
    // A failure in these tests is a bug: surface it instead of restarting.
    conf.setString("restart-strategy.type", "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(spec.parallelism(), conf);
    TrainingJob.configure(env, spec);
    KafkaSettings kafka = KafkaSettings.ofBootstrap(broker.bootstrapServers());
    KafkaTrainingIo.job(spec, kafka).build(env);
    env.execute(spec.name());
  }

  static double lastAccuracy(List<TrainingMetrics> metrics, String modelId) {
    TrainingMetrics last = metrics.stream()
        .filter(m -> m.getModelId().equals(modelId) && m.getDiagnostics() != null)
        .max(Comparator.comparingLong(TrainingMetrics::getStep))
        .orElseThrow();
    return last.getDiagnostics().getValues().stream()
        .filter(v -> v.getName().equals("progressive_accuracy"))
        .mapToDouble(DiagnosticValue::getValue)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void logisticModelsTrainIndependentlyAndPublishMetricsSnapshotsAndRejects() throws Exception {
    String p = "lr-";
    createTopics(broker.bootstrapServers(), 2, p + "samples", p + "metrics", p + "models", p + "rejected");
    int n = 8000;
    produce(broker.bootstrapServers(), p + "samples", "tenant-a",
        Generators.create("linear", Map.of("dims", 5), 1), n);
    produce(broker.bootstrapServers(), p + "samples", "tenant-b",
        Generators.create("linear", Map.of("dims", 5), 2), n);
    // Bad input: bytes that are not a Sample, and a sample of a model nobody trains.
    try (KafkaProducer<byte[], byte[]> prod = io.streamtrain.testing.KafkaTestSupport.producer(broker.bootstrapServers())) {
      prod.send(new ProducerRecord<>(p + "samples", new byte[] {1}, new byte[] {(byte) 0xff, 0x13, 0x37}));
    }
    produce(broker.bootstrapServers(), p + "samples", "other-x", Generators.create("linear", Map.of("dims", 3), 3), 5);

    Map<String, Object> raw = spec("lr-job", p,
        Map.of("type", "logistic", "features", Map.of("dense", 5)),
        Map.of("type", "adam", "lr", 0.05));
    raw.put("accept", "tenant-.*");
    run(JobSpec.fromMap(raw));

    List<TrainingMetrics> metrics = decodeAll(readAll(broker.bootstrapServers(), p + "metrics"), TrainingMetrics.class);
    List<ModelSnapshot> snaps = decodeAll(readAll(broker.bootstrapServers(), p + "models"), ModelSnapshot.class);
    List<RejectedSample> rejected = decodeAll(readAll(broker.bootstrapServers(), p + "rejected"), RejectedSample.class);

    for (String id : List.of("tenant-a", "tenant-b")) {
      List<TrainingMetrics> mine = metrics.stream().filter(m -> m.getModelId().equals(id)).toList();
      assertThat(mine).isNotEmpty();
      TrainingMetrics last = mine.stream().max(Comparator.comparingLong(TrainingMetrics::getStep)).orElseThrow();
      assertThat(last.getSamplesSeen()).isEqualTo(n);
      assertThat(last.getStep()).isEqualTo(n / 32);
      assertThat(lastAccuracy(metrics, id)).isGreaterThanOrEqualTo(0.95);
      // Every step reported exactly once across the reports (read_committed).
      long reported = mine.stream().mapToLong(TrainingMetrics::getSamplesInReport).sum();
      assertThat(reported).isEqualTo(n);
      List<ModelSnapshot> s = snaps.stream().filter(x -> x.getModelId().equals(id)).toList();
      assertThat(s).isNotEmpty();
      List<Long> versions = new ArrayList<>(s.stream().map(ModelSnapshot::getVersion).toList());
      assertThat(versions).isSorted().doesNotHaveDuplicates();
      ModelSnapshot finalSnap = s.get(s.size() - 1);
      assertThat(finalSnap.getStep()).isEqualTo(n / 32);
      assertThat(finalSnap.getParameters()).hasSize(6).allMatch(Double::isFinite);
    }
    assertThat(rejected).extracting(RejectedSample::getReason).containsOnly("UNDECODABLE", "UNKNOWN_MODEL");
    assertThat(rejected).filteredOn(r -> r.getReason().equals("UNKNOWN_MODEL")).hasSize(5);
    assertThat(rejected).filteredOn(r -> r.getReason().equals("UNDECODABLE")).hasSize(1);
  }
}
