package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.io.gen.SampleGenerator;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.KafkaTestSupport;
import io.streamtrain.testing.TrainingRuns;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stop with a savepoint in the middle of a stream (batches half drawn, the shuffle buffer partly full), resume from
 * it, and the final parameters equal bit for bit those of a run that never stopped.
 */
class SavepointResumeIT {
  private static final String MODEL = "tenant-s";

  @Test
  void resumedJobEndsWithTheParametersOfAnUninterruptedRun(@TempDir Path dir) throws Exception {
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      createTopics(bs, 2, "sp-samples", "sp-metrics", "sp-models", "sp-rejected", "ref-metrics", "ref-models",
          "ref-rejected");
      SampleGenerator gen = Generators.create("linear", Map.of("dims", 6), 5);
      int half = 5003;
      produce(bs, gen, half);

      // Run 1: unbounded, stopped with a savepoint once the first half is trained (what a buffer holds stays).
      JobSpec live = spec("sp-job", "sp-", false);
      StreamExecutionEnvironment env1 = TrainingRuns.env(live, null);
      KafkaSettings kafka = KafkaSettings.ofBootstrap(bs);
      KafkaTrainingIo.job(live, kafka).build(env1);
      JobClient job = env1.executeAsync("sp-first-half");
      long expectedSteps = (half - 256 + 32) / 32; // the buffer (256) fills, then one batch per 32 samples
      Awaitility.await("first half trained").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
          .until(() -> maxStep(decodeAll(readAll(bs, "sp-metrics"), TrainingMetrics.class)) >= expectedSteps - 19);
      String savepoint = job.stopWithSavepoint(false, dir.resolve("savepoints").toUri().toString(),
          SavepointFormatType.CANONICAL).get();

      // The rest of the stream arrives; run 2 resumes from the savepoint. Restored Kafka splits keep the stopping
      // offsets of the job that wrote them (none), so the resumed job is drained explicitly once the committed
      // offsets reach the end of the topic: draining fires the end-of-input flush and the final snapshot.
      produce(bs, gen, 4000);
      JobSpec resumed = spec("sp-job", "sp-", false);
      StreamExecutionEnvironment env2 = TrainingRuns.env(resumed, savepoint);
      KafkaTrainingIo.job(resumed, kafka).build(env2);
      JobClient job2 = env2.executeAsync("sp-second-half");
      Awaitility.await("all samples consumed and checkpointed").atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> TrainingRuns.committedToEnd(bs, "streamtrain-sp-job", "sp-samples"));
      job2.stopWithSavepoint(true, dir.resolve("savepoints2").toUri().toString(), SavepointFormatType.CANONICAL)
          .get();

      // Reference: one uninterrupted bounded run over the same samples, its outputs to other topics.
      TrainingRuns.runBounded(spec("ref-job", "ref-", true), bs, "reference");

      List<ModelSnapshot> all = decodeAll(readAll(bs, "sp-models"), ModelSnapshot.class);
      List<TrainingMetrics> ms = decodeAll(readAll(bs, "sp-metrics"), TrainingMetrics.class);
      String trace = all.stream().map(x -> x.getVersion() + "@" + x.getStep() + "/" + x.getSamplesSeen()).toList()
          + " metrics " + ms.stream().map(x -> x.getStep() + "/" + x.getSamplesSeen() + "/" + x.getSamplesInReport())
              .toList();
      ModelSnapshot a = TrainingRuns.lastSnapshot(all, MODEL);
      ModelSnapshot b = TrainingRuns.lastSnapshot(decodeAll(readAll(bs, "ref-models"), ModelSnapshot.class), MODEL);
      assertThat(a.getStep()).isEqualTo(b.getStep()).isEqualTo((half + 4000 + 31) / 32);
      assertThat(a.getSamplesSeen()).as(trace).isEqualTo(half + 4000);
      assertThat(TrainingRuns.bits(a.getParameters())).isEqualTo(TrainingRuns.bits(b.getParameters()));
      assertThat(a.getChecksum()).isEqualTo(b.getChecksum());
      // Each step reported exactly once across the stop and the resume (read_committed). A transaction the
      // stopped job left open holds back read_committed readers until the broker aborts it (transaction
      // timeout, 60 s), so wait for the count rather than read once.
      Awaitility.await("every sample reported exactly once").atMost(Duration.ofSeconds(150))
          .pollInterval(Duration.ofSeconds(2))
          .untilAsserted(() -> assertThat(decodeAll(readAll(bs, "sp-metrics"), TrainingMetrics.class).stream()
              .mapToLong(TrainingMetrics::getSamplesInReport).sum()).as(trace).isEqualTo(half + 4000));
    }
  }

  private static void produce(String bs, SampleGenerator gen, int n) {
    SampleCodec codec = new SampleCodec();
    MutableSample s = new MutableSample();
    try (KafkaProducer<byte[], byte[]> p = KafkaTestSupport.producer(bs)) {
      for (int i = 0; i < n; i++) {
        gen.next(s);
        s.modelId = MODEL;
        p.send(new ProducerRecord<>("sp-samples", MODEL.getBytes(StandardCharsets.UTF_8), codec.encode(s)));
      }
    }
  }

  private static JobSpec spec(String name, String prefix, boolean bounded) {
    Map<String, Object> raw = TrainingJobIT.spec(name, prefix,
        Map.of("type", "logistic", "features", Map.of("dense", 6)), Map.of("type", "adam", "lr", 0.02));
    Map<String, Object> topics = new LinkedHashMap<>((Map<String, Object>) raw.get("topics"));
    topics.put("samples", "sp-samples");
    raw.put("topics", topics);
    raw.put("source", Map.of("bounded", bounded));
    return JobSpec.fromMap(raw);
  }

  private static long maxStep(List<TrainingMetrics> m) {
    return m.stream().mapToLong(TrainingMetrics::getStep).max().orElse(0);
  }

}
