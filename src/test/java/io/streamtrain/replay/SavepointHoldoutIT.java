package io.streamtrain.replay;

import io.streamtrain.flink.replay.HoldoutModel;
import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.avro.EvaluationResult;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.core.SpecException;
import io.streamtrain.flink.replay.FinalModel;
import io.streamtrain.flink.training.KafkaTrainingIo;
import io.streamtrain.flink.training.TrainingJob;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.TrainingRuns;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Holdout from a savepoint with a real broker and MiniClusters: a training job (an MLP with batch norm, so buffers
 * travel too, publishing a snapshot every step) is stopped with a savepoint in the middle of its stream; the
 * holdout replay from that savepoint reads the model section, parameters and buffers from the trainer's keyed
 * state and scores exactly like the holdout of the snapshot the job published at the same step, read from the
 * model topic. An unknown model id names the ids the savepoint holds; a savepoint without the trainer operator
 * (the same savepoint with that operator removed by the State Processor API's writer) names the uids it has.
 */
class SavepointHoldoutIT {
  private static final String P = "sh-";

  @TempDir
  Path tmp;

  private static JobSpec trainingSpec() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "sh-job");
    m.put("model", Map.of("type", "mlp", "layers", List.of(2, 8, 1), "activation", "tanh", "head", "logistic",
        "batch_norm", true, "seed", 3));
    m.put("optimizer", Map.of("type", "adam", "lr", 0.02));
    m.put("batching", Map.of("batch_size", 16, "shuffle_capacity", 128, "seed", 5));
    m.put("topics", Map.of("samples", P + "samples", "metrics", P + "metrics", "models", P + "models",
        "rejected", P + "rejected"));
    // A snapshot every step: whatever step the savepoint catches, the same parameters are on the model topic.
    m.put("snapshots", Map.of("every_steps", 1));
    m.put("metrics", Map.of("every_batches", 20));
    m.put("checkpoint", Map.of("interval_ms", 500));
    m.put("parallelism", 2);
    m.put("source", Map.of("bounded", false));
    return JobSpec.fromMap(m);
  }

  private Map<String, Object> holdout(String name, Map<String, Object> holdout) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("mode", "holdout");
    m.put("source", Map.of("topic", P + "samples"));
    m.put("holdout", holdout);
    m.put("metrics", Map.of("window", 300, "report_every", 500));
    m.put("output", Map.of("report", tmp.resolve(name + ".json").toString(), "charts", tmp.resolve(name).toString()));
    return m;
  }

  /** The evaluation points of a run, without the two fields that name the run and its source of parameters. */
  private static List<EvaluationResult> figures(ReplayOutcome out) {
    return out.results().stream().map(r -> EvaluationResult.newBuilder(r).setConfigName("").setEvaluationId("")
        .build()).sorted(java.util.Comparator.comparingLong(EvaluationResult::getSamples)
            .thenComparing(EvaluationResult::getCumulative)).toList();
  }

  @Test
  void holdoutFromASavepointScoresLikeTheSnapshotPublishedAtTheSameStep() throws Exception {
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      KafkaSettings kafka = KafkaSettings.ofBootstrap(bs);
      createTopics(bs, 2, P + "samples", P + "metrics", P + "models", P + "rejected");
      int n = 3000;
      produce(bs, P + "samples", "tenant-h", Generators.create("circles", Map.of("noise", 0.05), 77), n);
      produce(bs, P + "samples", "tenant-g", Generators.create("circles", Map.of("noise", 0.1), 78), 500);

      // Train, unbounded; once every sample is consumed and checkpointed, stop with a savepoint. The shuffle
      // buffers still hold samples that were never trained on: the savepoint is mid-stream state.
      JobSpec spec = trainingSpec();
      StreamExecutionEnvironment env = TrainingRuns.env(spec, null);
      KafkaTrainingIo.job(spec, kafka).build(env);
      JobClient job = env.executeAsync("sh-train");
      Awaitility.await("all samples consumed and checkpointed").atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> TrainingRuns.committedToEnd(bs, "streamtrain-sh-job", P + "samples"));
      String savepoint = job.stopWithSavepoint(false, tmp.resolve("savepoints").toUri().toString(),
          SavepointFormatType.CANONICAL).get();

      // The savepoint's model, as the holdout replay sees it.
      HoldoutModel fromSavepoint = Holdouts.resolve(
          new ReplaySpec(holdout("sh-sp", Map.of("model_id", "tenant-h", "savepoint", savepoint)), Path.of("."))
              .holdout(), null);
      assertThat(fromSavepoint.model()).isEqualTo(spec.configMap(0).get("model"));
      assertThat(fromSavepoint.buffers()).isNotEmpty();
      assertThat(fromSavepoint.version()).as("every step is published, so the state is a published version")
          .isNotNull();
      long version = fromSavepoint.version();
      // The snapshot of that version on the model topic (committed with the savepoint; wait for the transaction).
      ModelSnapshot published = Awaitility.await("snapshot v" + version + " committed").atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> decodeAll(readAll(bs, P + "models"), ModelSnapshot.class).stream()
              .filter(s -> s.getModelId().equals("tenant-h") && s.getVersion() == version).findFirst(),
              Optional::isPresent).orElseThrow();
      // Mid-stream: fewer samples trained than consumed (the buffer holds the rest).
      assertThat(published.getSamplesSeen()).isLessThan(n).isGreaterThan(n - 128 - 16);
      assertThat(fromSavepoint.name()).isEqualTo("tenant-h-savepoint-step" + published.getStep());
      assertThat(TrainingRuns.bits(java.util.Arrays.stream(fromSavepoint.params()).boxed().toList()))
          .isEqualTo(TrainingRuns.bits(published.getParameters()));
      assertThat(fromSavepoint.buffers()).isEqualTo(published.getBuffers().stream()
          .flatMap(b -> b.getValues().stream()).mapToDouble(Double::doubleValue).toArray());

      // The two holdout replays over the same range: every evaluation point equal, figure for figure.
      ReplayOutcome viaSavepoint = ReplayRunner.run(new ReplaySpec(holdout("sh-sp",
          Map.of("model_id", "tenant-h", "savepoint", savepoint)), Path.of(".")), kafka, m -> { });
      ReplayOutcome viaTopic = ReplayRunner.run(new ReplaySpec(holdout("sh-topic",
          Map.of("model_id", "tenant-h", "topic", P + "models", "version", version)), Path.of(".")), kafka, m -> { });
      EvaluationResult last = ReplayReport.finals(viaSavepoint.results()).get(0);
      assertThat(last.getConfigName()).isEqualTo("tenant-h-savepoint-step" + published.getStep());
      assertThat(last.getModelVersion()).isEqualTo(version);
      assertThat(last.getSamples()).isEqualTo(n);
      assertThat(last.getAccuracy()).as("a trained circles model").isGreaterThan(0.8);
      assertThat(figures(viaSavepoint)).hasSize(viaTopic.results().size()).isEqualTo(figures(viaTopic));
      FinalModel a = viaSavepoint.finals().get(0);
      FinalModel b = viaTopic.finals().get(0);
      assertThat(a.params).isEqualTo(b.params);

      // An unknown model id: the message lists the ids the savepoint holds.
      assertThatThrownBy(() -> Holdouts.resolve(new ReplaySpec(holdout("sh-x",
          Map.of("model_id", "tenant-x", "savepoint", savepoint)), Path.of(".")).holdout(), null))
          .isInstanceOf(SpecException.class)
          .hasMessageContainingAll("holdout.model_id", "tenant-x", "tenant-g, tenant-h");

      // The same savepoint without the trainer operator.
      String withoutTrainer = tmp.resolve("no-trainer").toUri().toString();
      Configuration conf = new Configuration();
      conf.setString("restart-strategy.type", "none");
      StreamExecutionEnvironment wenv = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
      SavepointWriter.fromExistingSavepoint(wenv, savepoint, new HashMapStateBackend())
          .removeOperator(OperatorIdentifier.forUid(TrainingJob.TRAINER_UID))
          .write(withoutTrainer);
      wenv.execute("sh-remove-trainer");
      assertThatThrownBy(() -> Holdouts.resolve(new ReplaySpec(holdout("sh-y",
          Map.of("model_id", "tenant-h", "savepoint", withoutTrainer)), Path.of(".")).holdout(), null))
          .isInstanceOf(SpecException.class)
          .hasMessageContainingAll("holdout.savepoint", "no-trainer", "uid 'trainer'");
    }
  }
}
