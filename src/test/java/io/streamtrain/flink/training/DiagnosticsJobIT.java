package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.avro.DiagnosticValue;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingEvent;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.random.Xoshiro256;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.KafkaTestSupport;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The diagnostics acceptance scenarios through the streaming job (real in-JVM broker, MiniCluster at parallelism
 * 2), with the results read back from the metrics topic: six models in one job, each a constructed problem whose
 * figures are known in closed form. Batches equal to the shuffle capacity make every batch a block of
 * consecutive samples of one partition, so the probe windows hold whole blocks and the Hessians are exact.
 */
class DiagnosticsJobIT {
  private static KafkaBroker broker;
  private static List<TrainingMetrics> metrics;
  private static List<ModelSnapshot> snapshots;

  static final String P = "diag-";
  static final double A1 = Math.sqrt(1000.0);

  @BeforeAll
  static void runJob() throws Exception {
    broker = KafkaBroker.startTemporary();
    String bs = broker.bootstrapServers();
    createTopics(bs, 2, P + "samples", P + "metrics", P + "models", P + "rejected");
    try (KafkaProducer<byte[], byte[]> prod = KafkaTestSupport.producer(bs)) {
      // Quadratics with spectrum {1000, 1} (and 2 for the bias): blocks of +-sqrt(1000) e1, +-e2.
      for (String id : List.of("quad-hot", "quad-ok")) {
        produce(prod, id, 40 * 4, (i, s) -> {
          int k = (int) (i % 4);
          double x1 = k == 0 ? A1 : k == 1 ? -A1 : 0;
          double x2 = k == 2 ? 1 : k == 3 ? -1 : 0;
          s.addDense(x1);
          s.addDense(x2);
          s.setRealLabel(0.5 * x1 - 2.0 * x2 + 0.3);
        });
      }
      // Saddle: x = +-1, y = x for the two-layer linear network started at zero.
      for (String id : List.of("saddle-plain", "saddle-escape")) {
        produce(prod, id, 150 * 2, (i, s) -> {
          double x = i % 2 == 0 ? 1 : -1;
          s.addDense(x);
          s.setRealLabel(x);
        });
      }
      // Deep sigmoid network on a separable stream.
      Xoshiro256 rng = new Xoshiro256(21);
      produce(prod, "deep", 20 * 32, (i, s) -> {
        double first = 0;
        for (int j = 0; j < 8; j++) {
          double v = rng.nextGaussian();
          first = j == 0 ? v : first;
          s.addDense(v);
        }
        s.setBinaryLabel(first > 0);
      });
      // Cliff: ordinary regression samples and one with a huge feature in the middle.
      Xoshiro256 rng2 = new Xoshiro256(22);
      produce(prod, "cliff", 60 * 8, (i, s) -> {
        double a = rng2.nextGaussian();
        double b = rng2.nextGaussian();
        double c = rng2.nextGaussian();
        s.addDense(i == 30 * 8 ? 1e4 : a);
        s.addDense(b);
        s.addDense(c);
        s.setRealLabel(a - b + 0.5 * c);
      });
      prod.flush();
    }
    JobSpec spec = JobSpec.fromMap(spec());
    org.apache.flink.configuration.Configuration conf = new org.apache.flink.configuration.Configuration();
    conf.setString("restart-strategy.type", "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(spec.parallelism(), conf);
    TrainingJob.configure(env, spec);
    KafkaSettings kafka = KafkaSettings.ofBootstrap(bs);
    KafkaTrainingIo.job(spec, kafka).build(env);
    env.execute(spec.name());
    metrics = decodeAll(readAll(bs, P + "metrics"), TrainingMetrics.class);
    snapshots = decodeAll(readAll(bs, P + "models"), ModelSnapshot.class);
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  interface Fill {
    void fill(long i, MutableSample s);
  }

  static void produce(KafkaProducer<byte[], byte[]> prod, String id, int n, Fill f) {
    SampleCodec codec = new SampleCodec();
    MutableSample s = new MutableSample();
    byte[] key = id.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < n; i++) {
      s.clear();
      f.fill(i, s);
      s.modelId = id;
      s.eventTime = 1_000L + i;
      prod.send(new ProducerRecord<>(P + "samples", key, codec.encode(s)));
    }
  }

  static Map<String, Object> model(String match, Map<String, Object> model, Map<String, Object> opt, int batch,
      Consumer<Map<String, Object>> extra) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("match", match);
    m.put("model", model);
    m.put("optimizer", opt);
    m.put("batching", Map.of("batch_size", batch, "shuffle_capacity", batch, "seed", 3));
    extra.accept(m);
    return m;
  }

  static Map<String, Object> spec() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "diag-job");
    Map<String, Object> quad = Map.of("type", "linear", "features", Map.of("dense", 2));
    Map<String, Object> twoLayer = Map.of("type", "mlp", "layers", List.of(1, 1, 1), "activation", "identity",
        "head", "linear", "init", "zeros");
    // A probe needs a full reservoir: 8 samples are the two blocks of 4 the quadratics' probes at step 2 see.
    Map<String, Object> baseDiag = Map.of("probe_every", 2, "probe_warmup", 0, "reservoir", 8, "lanczos_steps", 4,
        "budget_share", 1.0);
    m.put("models", List.of(
        model("quad-hot", quad, Map.of("type", "sgd", "lr", 2.2 / 1000), 4, x -> {}),
        model("quad-ok", quad, Map.of("type", "sgd", "lr", 1.0 / 1000), 4, x -> {}),
        model("saddle-plain", twoLayer, Map.of("type", "sgd", "lr", 0.1), 2, x -> x.put("diagnostics",
            Map.of("probe_every", 2, "probe_warmup", 0, "reservoir", 4, "lanczos_steps", 4, "budget_share", 1.0))),
        model("saddle-escape", twoLayer, Map.of("type", "sgd", "lr", 0.1), 2, x -> x.put("diagnostics",
            Map.of("probe_every", 5, "probe_warmup", 0, "reservoir", 10, "lanczos_steps", 4, "budget_share", 1.0,
                "saddle_escape", Map.of("enabled", true, "after_checks", 3, "step", 0.1)))),
        model("deep", Map.of("type", "mlp", "layers", List.of(8, 16, 16, 16, 16, 16, 16, 16, 1),
            "activation", "sigmoid", "head", "logistic", "init", "torch_default", "seed", 3),
            Map.of("type", "sgd", "lr", 0.1), 32, x -> x.put("diagnostics", Map.of("probe_every", 0))),
        model("cliff", Map.of("type", "linear", "features", Map.of("dense", 3)), Map.of("type", "sgd", "lr", 0.05),
            8, x -> {
              x.put("clip", Map.of("type", "norm", "max_norm", 1.0));
              x.put("diagnostics", Map.of("probe_every", 0));
            })));
    m.put("diagnostics", baseDiag);
    m.put("topics", Map.of("samples", P + "samples", "metrics", P + "metrics", "models", P + "models",
        "rejected", P + "rejected"));
    m.put("snapshots", Map.of("every_steps", 1000));
    m.put("metrics", Map.of("every_batches", 2));
    m.put("checkpoint", Map.of("interval_ms", 500));
    m.put("parallelism", 2);
    m.put("source", Map.of("bounded", true));
    return m;
  }

  static List<TrainingMetrics> of(String id) {
    return metrics.stream().filter(m -> m.getModelId().equals(id))
        .sorted(Comparator.comparingLong(TrainingMetrics::getStep)).toList();
  }

  static double value(TrainingMetrics m, String name) {
    return m.getDiagnostics().getValues().stream().filter(v -> v.getName().equals(name))
        .mapToDouble(DiagnosticValue::getValue).findFirst().orElse(Double.NaN);
  }

  static String state(TrainingMetrics m) {
    return m.getDiagnostics() == null ? null : m.getDiagnostics().getTrainingState();
  }

  @Test
  void lanczosInTheJobRecoversTheChosenSpectrumAndFlagsTooLargeLrAsUnstable() {
    List<TrainingMetrics> hot = of("quad-hot");
    TrainingMetrics first = hot.get(0); // steps 1-2, probe at step 2 on exactly the two blocks seen
    assertThat(value(first, "hessian_max_eigenvalue")).isCloseTo(1000.0, within(1e-6 * 1000));
    assertThat(value(first, "hessian_min_eigenvalue")).isCloseTo(1.0, within(1e-6));
    assertThat(value(first, "hessian_max_eigenvalue_2")).isCloseTo(2.0, within(1e-6 * 2));
    assertThat(value(first, "condition_estimate")).isCloseTo(1000.0, within(1e-6 * 1000));
    assertThat(value(first, "lr_lambda_max")).isCloseTo(2.2, within(1e-6 * 2.2));
    assertThat(value(first, "probe_samples")).isEqualTo(8.0);
    assertThat(state(first)).isEqualTo("UNSTABLE"); // lr * lambda_max = 2.2 > 2
    assertThat(first.getDiagnostics().getEvidence()).contains("lr * lambda_max");
  }

  @Test
  void sameQuadraticWithLrInsideTheBoundIsNotFlagged() {
    List<TrainingMetrics> ok = of("quad-ok");
    assertThat(ok).isNotEmpty();
    assertThat(value(ok.get(0), "hessian_max_eigenvalue")).isCloseTo(1000.0, within(1e-6 * 1000));
    assertThat(value(ok.get(0), "lr_lambda_max")).isCloseTo(1.0, within(1e-6));
    assertThat(ok).extracting(DiagnosticsJobIT::state).doesNotContain("ILL_CONDITIONED", "UNSTABLE")
        .doesNotContainNull();
    assertThat(ok.get(ok.size() - 1).getLossBatch()).isLessThan(ok.get(0).getLossBatch());
  }

  @Test
  void saddleIsReportedAndTheEscapeReachesLowerLossWherePlainDescentStays() {
    List<TrainingMetrics> plain = of("saddle-plain");
    assertThat(state(plain.get(0))).isEqualTo("SADDLE");
    assertThat(value(plain.get(0), "hessian_min_eigenvalue")).isCloseTo(-2.0, within(1e-9));
    assertThat(value(plain.get(0), "hessian_max_eigenvalue")).isCloseTo(2.0, within(1e-9));
    TrainingMetrics plainLast = plain.get(plain.size() - 1);
    assertThat(plainLast.getStep()).isEqualTo(150);
    assertThat(plainLast.getLossBatch()).isEqualTo(1.0);
    assertThat(plain).flatExtracting(TrainingMetrics::getEvents).extracting(TrainingEvent::getType)
        .doesNotContain("saddle_escape");

    List<TrainingMetrics> esc = of("saddle-escape");
    List<TrainingEvent> escapes = esc.stream().flatMap(m -> m.getEvents().stream())
        .filter(e -> e.getType().equals("saddle_escape")).toList();
    // The probe of step 5 sees the 10 samples of steps 1-5; checks at steps 5, 6 and 7 confirm its lambda_min.
    assertThat(escapes).isNotEmpty();
    assertThat(escapes.get(0).getStep()).isEqualTo(7);
    assertThat(escapes.get(0).getMessage()).contains("batch loss 1.000 -> 0.9900");
    assertThat(esc).extracting(DiagnosticsJobIT::state).contains("SADDLE");
    TrainingMetrics escLast = esc.get(esc.size() - 1);
    assertThat(escLast.getStep()).isEqualTo(150);
    assertThat(escLast.getLossBatch()).isLessThan(1e-3);
    assertThat(value(escLast, "saddle_escapes")).isEqualTo((double) escapes.size());
  }

  @Test
  void deepSigmoidNetworkReportsVanishingGradients() {
    List<TrainingMetrics> deep = of("deep");
    assertThat(deep).isNotEmpty();
    for (TrainingMetrics m : deep) {
      assertThat(state(m)).isEqualTo("VANISHING");
      assertThat(value(m, "layer_grad_ratio")).isLessThan(1e-3);
      assertThat(value(m, "hessian_max_eigenvalue")).isNaN(); // probes off for this model
    }
  }

  @Test
  void watchOncePrintsEveryModelWithItsStateEvidenceAndSparklines() {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cl = io.streamtrain.cli.Main.newCommandLine();
    cl.setOut(new java.io.PrintWriter(out));
    cl.setErr(new java.io.PrintWriter(err));
    int rc = cl.execute("watch", "--bootstrap", broker.bootstrapServers(), "--topic", P + "metrics", "--once");
    assertThat(rc).as(err.toString()).isZero();
    String text = out.toString();
    assertThat(text).doesNotContain("\033[");
    for (String id : List.of("quad-hot", "quad-ok", "saddle-plain", "saddle-escape", "deep", "cliff")) {
      assertThat(text).contains(id + "  step ");
    }
    String[] lines = text.split("\n");
    String escHeader = java.util.Arrays.stream(lines).filter(l -> l.startsWith("saddle-escape  ")).findFirst()
        .orElseThrow();
    assertThat(escHeader).contains("step 150").contains("samples 300");
    assertThat(text).contains("state VANISHING").contains("saddle_escape@7");
    // The escaped model's loss fell from 1 to ~0: its sparkline starts high and ends on the lowest block.
    int at = java.util.Arrays.asList(lines).indexOf(escHeader);
    String lossLine = lines[at + 1].trim();
    assertThat(lossLine).startsWith("loss");
    String spark = lossLine.substring(4).trim().split("\\s+")[0];
    assertThat(spark.charAt(0)).isEqualTo('█');
    assertThat(spark.charAt(spark.length() - 1)).isEqualTo('▁');
    assertThat(text).contains("curvature: lambda_max 1000");
  }

  @Test
  void cliffIsReportedAsExplodingAndClippingKeepsParametersFinite() {
    List<TrainingMetrics> cliff = of("cliff");
    // One batch of the report's two was a cliff: the report's state is the majority's (the later batch's on a
    // tie), the cliff its worst state.
    List<TrainingMetrics> exploding = cliff.stream()
        .filter(m -> "EXPLODING".equals(m.getDiagnostics().getWorstState())).toList();
    assertThat(exploding).hasSize(1);
    assertThat(exploding.get(0).getStep()).isEqualTo(32); // the batch of samples 240..247 is step 31
    assertThat(exploding.get(0).getDiagnostics().getWorstEvidence()).startsWith("gradient norm");
    assertThat(state(exploding.get(0))).isNotEqualTo("EXPLODING");
    assertThat(cliff).allSatisfy(m -> assertThat(m.getParamNorm()).isFinite().isLessThan(10.0));
    ModelSnapshot last = snapshots.stream().filter(s -> s.getModelId().equals("cliff"))
        .max(Comparator.comparingLong(ModelSnapshot::getStep)).orElseThrow();
    assertThat(last.getParameters()).allMatch(Double::isFinite);
  }
}
