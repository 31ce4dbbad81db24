package io.streamtrain.replay;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.EvaluationResult;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.flink.replay.EvaluationRecords;
import io.streamtrain.flink.replay.FinalModel;
import io.streamtrain.flink.replay.ReplayPlan;
import io.streamtrain.flink.training.KafkaTrainingIo;
import io.streamtrain.flink.training.TrainingJob;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.job.JobSpec;
import io.streamtrain.job.JobSpecFiles;
import io.streamtrain.local.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replay with a real in-JVM broker and Flink MiniClusters: a stream is recorded, trained on live by the training
 * job, and replayed with the job's own spec, which must reproduce the job's final parameters bit for bit; a
 * partial offset range replays exactly its samples; the published snapshot scores in holdout mode; and three
 * optimizers replayed on a drifting stream produce a report and charts with the same ranking on two runs.
 */
class ReplayIT {
  private static KafkaBroker broker;

  @TempDir
  Path tmp;

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

  private static KafkaSettings kafka() {
    return KafkaSettings.ofBootstrap(broker.bootstrapServers());
  }

  private static void train(JobSpec spec) throws Exception {
    org.apache.flink.configuration.Configuration conf = new org.apache.flink.configuration.Configuration();
    conf.setString("restart-strategy.type", "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(spec.parallelism(), conf);
    TrainingJob.configure(env, spec);
    KafkaTrainingIo.job(spec, kafka()).build(env);
    env.execute(spec.name());
  }

  private static Map<Integer, Long> endOffsets(String topic) {
    Properties p = new Properties();
    p.put("bootstrap.servers", broker.bootstrapServers());
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts = new ArrayList<>();
      c.partitionsFor(topic, Duration.ofSeconds(30)).forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
      Map<Integer, Long> out = new LinkedHashMap<>();
      c.endOffsets(parts).forEach((tp, o) -> out.put(tp.partition(), o));
      return out;
    }
  }

  @Test
  void replayWithTheJobsOwnSpecReproducesItsParametersBitForBit() throws Exception {
    String p = "rt-";
    createTopics(broker.bootstrapServers(), 2, p + "samples", p + "metrics", p + "models", p + "rejected",
        p + "evaluations");
    int n = 6000;
    produce(broker.bootstrapServers(), p + "samples", "tenant-a", Generators.create("linear", Map.of("dims", 6), 1), n);
    produce(broker.bootstrapServers(), p + "samples", "tenant-b",
        Generators.create("hyperplane", Map.of("dims", 6, "speed", 0.002, "noise", 0.05), 2), n);
    Map<String, Object> job = new LinkedHashMap<>();
    job.put("name", "rt-job");
    job.put("model", Map.of("type", "logistic", "features", Map.of("dense", 6)));
    job.put("optimizer", Map.of("type", "adam", "lr", 0.05));
    job.put("clip", Map.of("type", "norm", "max_norm", 1.0));
    job.put("schedule", Map.of("type", "StepLR", "step_size", 50, "gamma", 0.7));
    job.put("batching", Map.of("batch_size", 32, "shuffle_capacity", 256, "seed", 7));
    job.put("models", List.of(Map.of("match", "tenant-b",
        "optimizer", Map.of("type", "sgd", "lr", 0.1, "momentum", 0.9, "nesterov", true),
        // tenant-b's buffer grows from 20 to 100 (shuffle_grow): the replay must mirror that batcher too.
        "batching", Map.of("batch_size", 20, "shuffle_capacity", 100, "seed", 3, "shuffle_grow", true))));
    job.put("topics", Map.of("samples", p + "samples", "metrics", p + "metrics", "models", p + "models",
        "rejected", p + "rejected"));
    job.put("snapshots", Map.of("every_steps", 1000));
    job.put("checkpoint", Map.of("interval_ms", 500));
    job.put("parallelism", 2);
    job.put("source", Map.of("bounded", true));
    train(JobSpec.fromMap(job));
    Path jobFile = tmp.resolve("rt-job.yaml");
    Files.writeString(jobFile, JobSpecFiles.toJson(JobSpec.fromMap(job)));

    List<ModelSnapshot> snaps = decodeAll(readAll(broker.bootstrapServers(), p + "models"), ModelSnapshot.class);
    Map<String, Object> replay = new LinkedHashMap<>();
    replay.put("name", "rt-replay");
    replay.put("source", Map.of("topic", p + "samples"));
    replay.put("configs", List.of(
        Map.of("name", "live", "job", jobFile.toString()),
        Map.of("name", "adagrad", "job", jobFile.toString(), "optimizer", Map.of("type", "adagrad", "lr", 0.1))));
    replay.put("metrics", Map.of("report_every", 500));
    replay.put("output", Map.of("topic", p + "evaluations", "report", tmp.resolve("r.json").toString(),
        "charts", tmp.toString()));
    ReplaySpec spec = new ReplaySpec(replay, Path.of("."));
    ReplayOutcome out = ReplayRunner.run(spec, kafka(), m -> { });

    for (String id : List.of("tenant-a", "tenant-b")) {
      ModelSnapshot last = snaps.stream().filter(s -> s.getModelId().equals(id))
          .max(Comparator.comparingLong(ModelSnapshot::getVersion)).orElseThrow();
      double[] live = last.getParameters().stream().mapToDouble(Double::doubleValue).toArray();
      FinalModel replayed = out.finalModel("live", id);
      assertThat(replayed.steps).isEqualTo(last.getStep());
      // The samples the live job trained on (a produce retry right after topic creation can lose a batch, so the
      // count comes from the job, not from n).
      assertThat(replayed.samplesTrained).isEqualTo(last.getSamplesSeen()).isGreaterThan(n * 9L / 10);
      assertThat(replayed.params).as("replayed parameters of %s", id).isEqualTo(live);
      // The alternative configuration saw the same samples and ended elsewhere (tenant-b's override keeps its
      // own optimizer: inline sections replace only what an entry does not set itself).
      FinalModel alt = out.finalModel("adagrad", id);
      assertThat(alt.samplesTrained).isEqualTo(last.getSamplesSeen());
      if (id.equals("tenant-a")) {
        assertThat(alt.params).isNotEqualTo(live);
      }
    }
    // Every point went to the evaluation topic and decodes with the schema.
    List<EvaluationResult> published = decodeAll(readAll(broker.bootstrapServers(), p + "evaluations"),
        EvaluationResult.class);
    assertThat(published).hasSameSizeAs(out.results());
    // The trivial baseline is published beside the configurations, under its own name and mode.
    assertThat(published).allMatch(r -> r.getEvaluationId().equals("rt-replay") && (r.getMode().equals("prequential")
        || r.getConfigName().equals(ReplayPlan.BASELINE) && r.getMode().equals("baseline")));
    // A point every 500 samples plus the final one, per (config, model): 2 configurations and the baseline, 2 ids.
    long expectedPoints = ReplayReport.finals(out.results()).stream().mapToLong(r -> r.getSamples() / 500 + 1).sum();
    assertThat(ReplayReport.finals(out.results())).hasSize(6);
    assertThat(out.results()).hasSize((int) expectedPoints);
    EvaluationResult liveA = out.results().stream()
        .filter(r -> r.getConfigName().equals("live") && r.getModelId().equals("tenant-a")
            && EvaluationRecords.isFinal(r)).findFirst().orElseThrow();
    assertThat(liveA.getAccuracy()).isGreaterThan(0.9);
    EvaluationResult baseA = out.results().stream()
        .filter(r -> r.getConfigName().equals(ReplayPlan.BASELINE) && r.getModelId().equals("tenant-a")
            && EvaluationRecords.isFinal(r)).findFirst().orElseThrow();
    assertThat(baseA.getSamples()).isEqualTo(liveA.getSamples());
    assertThat(baseA.getAccuracy()).isLessThan(liveA.getAccuracy());
    assertThat(EvaluationRecords.metric(liveA, "auc")).isGreaterThan(0.95);

    // A partial range: offsets 1000 .. end-500 of each partition replay exactly those samples.
    Map<Integer, Long> end = endOffsets(p + "samples");
    Map<String, Object> offsets = new LinkedHashMap<>();
    Map<String, Object> endOffsets = new LinkedHashMap<>();
    long expected = 0;
    for (Map.Entry<Integer, Long> e : end.entrySet()) {
      if (e.getValue() > 2000) {
        offsets.put(String.valueOf(e.getKey()), 1000);
        endOffsets.put(String.valueOf(e.getKey()), e.getValue() - 500);
        expected += e.getValue() - 1500;
      } else {
        expected += e.getValue();
      }
    }
    Map<String, Object> partial = new LinkedHashMap<>(replay);
    partial.put("name", "rt-partial");
    partial.put("source", Map.of("topic", p + "samples", "start", Map.of("offsets", offsets),
        "end", Map.of("offsets", endOffsets)));
    partial.put("configs", List.of(Map.of("name", "live", "job", jobFile.toString())));
    partial.remove("output");
    ReplayOutcome part = ReplayRunner.run(new ReplaySpec(partial, Path.of(".")), kafka(), m -> { });
    long scored = ReplayReport.finals(part.results()).stream().filter(r -> r.getConfigName().equals("live"))
        .mapToLong(EvaluationResult::getSamples).sum();
    assertThat(scored).isEqualTo(expected);

    // Holdout: the published final snapshot of tenant-a scored on the whole range, nothing trained.
    Map<String, Object> holdout = new LinkedHashMap<>();
    holdout.put("name", "rt-holdout");
    holdout.put("mode", "holdout");
    holdout.put("source", Map.of("topic", p + "samples"));
    holdout.put("holdout", Map.of("model_id", "tenant-a", "topic", p + "models"));
    ReplayOutcome h = ReplayRunner.run(new ReplaySpec(holdout, Path.of(".")), kafka(), m -> { });
    ModelSnapshot lastA = snaps.stream().filter(s -> s.getModelId().equals("tenant-a"))
        .max(Comparator.comparingLong(ModelSnapshot::getVersion)).orElseThrow();
    EvaluationResult hf = ReplayReport.finals(h.results()).get(0);
    assertThat(hf.getMode()).isEqualTo("holdout");
    assertThat(hf.getModelVersion()).isEqualTo(lastA.getVersion());
    assertThat(hf.getSamples()).isEqualTo(lastA.getSamplesSeen());
    assertThat(hf.getAccuracy()).isGreaterThan(0.95);
    assertThat(h.finals().get(0).params)
        .isEqualTo(lastA.getParameters().stream().mapToDouble(Double::doubleValue).toArray());
  }

  @Test
  void threeOptimizersOnADriftingStreamRankTheSameOnTwoRuns() throws Exception {
    String p = "drift-";
    createTopics(broker.bootstrapServers(), 2, p + "samples");
    produce(broker.bootstrapServers(), p + "samples", "hyperplane",
        Generators.create("hyperplane", Map.of("dims", 10, "speed", 0.005, "noise", 0.05), 42), 12_000);
    Map<String, Object> model = Map.of("type", "logistic", "features", Map.of("dense", 10));
    Map<String, Object> batching = Map.of("batch_size", 32, "shuffle_capacity", 512, "seed", 1);
    List<ReplayReport> reports = new ArrayList<>();
    List<ReplayOutcome> outcomes = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      Path dir = tmp.resolve("run" + run);
      Map<String, Object> replay = new LinkedHashMap<>();
      replay.put("name", "drift");
      replay.put("source", Map.of("topic", p + "samples"));
      replay.put("configs", List.of(
          Map.of("name", "sgd", "model", model, "optimizer", Map.of("type", "sgd", "lr", 0.1), "batching", batching),
          Map.of("name", "adam", "model", model, "optimizer", Map.of("type", "adam", "lr", 0.02),
              "batching", batching),
          Map.of("name", "adagrad", "model", model, "optimizer", Map.of("type", "adagrad", "lr", 0.5),
              "batching", batching)));
      replay.put("label_delay", Map.of("samples", 50));
      replay.put("metrics", Map.of("window", 500, "fading_alpha", 0.998, "report_every", 1000));
      replay.put("output", Map.of("report", dir.resolve("report.json").toString(), "charts", dir.toString()));
      ReplaySpec spec = new ReplaySpec(replay, Path.of("."));
      ReplayOutcome out = ReplayRunner.run(spec, kafka(), m -> { });
      ReplayReport rep = new ReplayReport(spec, out);
      rep.writeJson(spec.report());
      List<Path> charts = rep.writeCharts(spec.charts());
      assertThat(spec.report()).isRegularFile();
      assertThat(Files.readString(spec.report())).contains("\"ranking\"", "\"curves\"", "\"sgd\"", "\"adagrad\"");
      assertThat(charts).extracting(c -> c.getFileName().toString()).contains("log_loss.png", "auc.png",
          "window_accuracy.png");
      for (Path c : charts) {
        byte[] head = Files.readAllBytes(c);
        assertThat(head.length).isGreaterThan(1000);
        assertThat(new String(head, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
      }
      assertThat(rep.table()).contains("sgd", "adam", "adagrad");
      reports.add(rep);
      outcomes.add(out);
    }
    assertThat(reports.get(0).ranking()).extracting(ReplayReport.Rank::config)
        .containsExactlyElementsOf(reports.get(1).ranking().stream().map(ReplayReport.Rank::config).toList());
    assertThat(reports.get(0).ranking()).extracting(ReplayReport.Rank::value)
        .containsExactlyElementsOf(reports.get(1).ranking().stream().map(ReplayReport.Rank::value).toList());
    for (String c : List.of("sgd", "adam", "adagrad")) {
      assertThat(outcomes.get(0).finalModel(c, "hyperplane").params)
          .isEqualTo(outcomes.get(1).finalModel(c, "hyperplane").params);
    }
    // Every configuration learned something on the drifting stream (better than chance).
    assertThat(reports.get(0).ranking()).allMatch(r -> r.finals().get("accuracy") > 0.6);
    assertThat(reports.get(0).ranking()).allMatch(r -> r.samples() == 12_000);
  }
}
