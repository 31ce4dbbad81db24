package io.streamtrain.cli;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ModelSpecs;
import io.streamtrain.export.OnnxExporter;
import io.streamtrain.export.OrtRunner;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.ModelSnapshots;
import io.streamtrain.io.SnapshotAssembler;
import io.streamtrain.io.Topics;
import io.streamtrain.io.gen.SeparableLinearGenerator;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.CliRun;
import io.streamtrain.testing.TrainingRuns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code streamtrain export} against a real broker and the snapshots of a real training run (an MLP with input
 * scaling and batch norm, so the snapshot carries both kinds of statistics): the command writes files ONNX Runtime
 * loads, whose predictions equal the core's with the published version's parameters and buffers (1e-12 float64,
 * 1e-6 float32), and a missing topic (never created), model or version and a wrong format are one-line errors.
 */
class ExportCommandIT {
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

  @Test
  void exportsTheLatestVersionAsAGraphOnnxRuntimeRuns(@TempDir Path dir) throws Exception {
    String bs = broker.bootstrapServers();
    createTopics(bs, 1, "ex-samples", "ex-metrics", "ex-rejected");
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bs))) {
      Topics.ensure(admin, Topics.TopicSpec.compacted("ex-models", 1));
    }
    produce(bs, "ex-samples", "m", new SeparableLinearGenerator(4, 0.1, 5, 1_000_000L, 1), 1500);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "ex");
    m.put("model", Map.of("type", "mlp", "layers", List.of(4, 6, 1), "activation", "tanh", "batch_norm", true,
        "head", "logistic", "scaling", Map.of("mode", "running")));
    m.put("optimizer", Map.of("type", "adam", "lr", 0.02));
    m.put("batching", Map.of("batch_size", 16, "shuffle_capacity", 64, "seed", 3));
    m.put("topics", Map.of("samples", "ex-samples", "metrics", "ex-metrics", "models", "ex-models", "rejected",
        "ex-rejected"));
    m.put("snapshots", Map.of("every_steps", 20));
    m.put("checkpoint", Map.of("interval_ms", 500));
    m.put("parallelism", 1);
    m.put("source", Map.of("bounded", true));
    TrainingRuns.runBounded(JobSpec.fromMap(m), bs, "ex");

    SnapshotAssembler.Assembled last = ModelSnapshots.read(KafkaSettings.ofBootstrap(bs), "ex-models", "m"::equals,
        null, "test").get("m");
    assertThat(last.version()).isGreaterThanOrEqualTo(2);
    Model core = ModelSpecs.fromSpec(new SpecReader("m", ModelSnapshots.modelSpec(last.head(), "m"))).newModel(200);
    double[] buffers = ModelSnapshots.buffers(last.head());
    assertThat(buffers).hasSize(core.numBuffers()).isNotEmpty();

    SplittableRandom r = new SplittableRandom(11);
    Batch batch = new Batch(core.featureSpace(), 200);
    for (int i = 0; i < 200; i++) {
      double[] x = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
      batch.add(new Example().setDense(x, 4).setWeight(1));
    }
    double[] want = new double[200];
    core.predict(last.parameters(), buffers, batch, want);
    double[][] rows = new double[200][4];
    for (int i = 0; i < 200; i++) {
      OnnxExporter.inputRow(batch, i, rows[i]);
    }

    for (String precision : new String[] {"float64", "float32"}) {
      Path out = dir.resolve("m-" + precision + ".onnx");
      CliRun run = CliRun.run("export", "--bootstrap", bs, "--topic", "ex-models", "--model-id", "m", "--format",
          "onnx", "--precision", precision, out.toString());
      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(run.out()).contains("model m version " + last.version()).contains(precision);
      assertThat(Files.exists(dir.resolve("m-" + precision + ".onnx.tmp"))).isFalse();
      try (OrtRunner ort = new OrtRunner(Files.readAllBytes(out))) {
        assertThat(ort.outputNames()).containsExactly("probability");
        assertThat(ort.metadata()).containsEntry("streamtrain.model_id", "m")
            .containsEntry("streamtrain.version", Long.toString(last.version()));
        double[][] got = precision.equals("float64") ? ort.run(rows) : ort.runFloat(rows);
        double tol = precision.equals("float64") ? 1e-12 : 1e-6;
        double spread = 0;
        for (int i = 0; i < 200; i++) {
          assertThat(got[i][0]).as(precision + " row " + i).isCloseTo(want[i], Offset.offset(tol));
          spread = Math.max(spread, Math.abs(want[i] - want[0]));
        }
        assertThat(spread).as("the trained model's predictions differ across rows").isGreaterThan(0.1);
      }
    }

    CliRun noModel = CliRun.run("export", "--bootstrap", bs, "--topic", "ex-models", "--model-id", "other",
        "--format", "onnx", dir.resolve("x.onnx").toString());
    assertThat(noModel.exit()).isEqualTo(1);
    assertThat(noModel.err()).contains("no version of model 'other' on topic ex-models (models there: m)");
    CliRun noVersion = CliRun.run("export", "--bootstrap", bs, "--topic", "ex-models", "--model-id", "m",
        "--version", Long.toString(last.version() + 5), "--format", "onnx", dir.resolve("x.onnx").toString());
    assertThat(noVersion.exit()).isEqualTo(1);
    assertThat(noVersion.err()).contains("model 'm' has no version " + (last.version() + 5)
        + " on topic ex-models; its latest version is " + last.version());
    CliRun noTopic = CliRun.run("export", "--bootstrap", bs, "--topic", "ex-typo", "--model-id", "m", "--format",
        "onnx", dir.resolve("x.onnx").toString());
    assertThat(noTopic.exit()).isEqualTo(1);
    assertThat(noTopic.err()).contains("topic ex-typo does not exist on " + bs);
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bs))) {
      assertThat(Topics.describe(admin, "ex-typo")).as("export never creates a topic").isEmpty();
    }
    CliRun format = CliRun.run("export", "--bootstrap", bs, "--topic", "ex-models", "--model-id", "m", "--format",
        "pmml", dir.resolve("x.onnx").toString());
    assertThat(format.exit()).isEqualTo(2);
    assertThat(format.err()).contains("--format: \"pmml\" is not allowed; allowed: onnx");
    assertThat(Files.exists(dir.resolve("x.onnx"))).isFalse();
  }
}
