package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.DiagnosticValue;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.KafkaTestSupport;
import io.streamtrain.testing.TrainingRuns;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * The constructed cases of scripts/fixtures/gen_diag_fixtures.py (numpy) through the job, at the default
 * diagnostics configuration (budget 0.20 for the noise estimates and probes, first probe at step 200; the strict
 * saddle and the zero-initialized circles network also with the saddle escape on), and
 * checkpoints that do not change what it reports. The fixture's rows are produced to Kafka (cycled to 1,500 steps of
 * 32 per model) and trained three times: with a checkpoint every 100 ms, with none during the run (an interval of
 * an hour: only the final checkpoint of the bounded job), and with 100 ms checkpoints and three injected failures
 * per model (exceptions between the batcher and the trainer, so the job restarts from its last checkpoint). Every
 * report of every model (diagnostics figures, training state, worst state, evidence, events) and the final
 * parameters are bit-identical across the three; only the wall-clock figures (samples_per_second, consumer_lag) are
 * left out. Each case's last report states its expected state, the probes lie within the range numpy found over
 * random 256-sample reservoirs, and the probes' share of work stays within the budget.
 */
class DiagnosticsCheckpointIT {
  static final String P = "dck-";
  static final int PER_MODEL = 32 * 1500;
  /** Model id -> constructed case of the fixture. */
  static final Map<String, String> MODELS = new LinkedHashMap<>();

  static {
    MODELS.put("kappa", "linear_kappa_1e3");
    MODELS.put("unstable", "lr_above_two_over_lambda_max");
    MODELS.put("logistic", "logistic_near_optimum");
    MODELS.put("saddle", "strict_saddle");
    MODELS.put("saddle-escape", "strict_saddle");
    MODELS.put("deep", "deep_sigmoid_10_layers");
    MODELS.put("circles-escape", "zero_init_circles");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Map<String, Object>> cases() throws Exception {
    try (java.io.InputStream in = DiagnosticsCheckpointIT.class.getResourceAsStream("/fixtures/diag/cases.json")) {
      Map<String, Object> m = new com.fasterxml.jackson.databind.ObjectMapper().readValue(in, Map.class);
      Map<String, Map<String, Object>> out = new LinkedHashMap<>();
      for (Map<String, Object> c : (List<Map<String, Object>>) m.get("cases")) {
        out.put((String) c.get("name"), c);
      }
      return out;
    }
  }

  @SuppressWarnings("unchecked")
  static double[][] rows(Map<String, Object> c) {
    List<List<Number>> r = (List<List<Number>>) c.get("rows");
    double[][] out = new double[r.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = r.get(i).stream().mapToDouble(Number::doubleValue).toArray();
    }
    return out;
  }
  static final AtomicInteger CHECKPOINTS = new AtomicInteger();

  /** Counts completed checkpoints (Flink notifies user functions that implement CheckpointListener). */
  static final class CheckpointCounter implements MapFunction<MiniBatch, MiniBatch>, CheckpointListener {
    @Override
    public MiniBatch map(MiniBatch b) {
      return b;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      CHECKPOINTS.incrementAndGet();
    }
  }

  /** Batches seen per model across restarts and the failures already thrown (in-JVM; own to this test). */
  static final Map<String, AtomicInteger> SEEN = new java.util.concurrent.ConcurrentHashMap<>();
  static final java.util.Set<String> FIRED = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Throws once at each planned batch count of each model, counted over all attempts. */
  static final class FaultInjector implements MapFunction<MiniBatch, MiniBatch> {
    private final List<Integer> failAt;

    FaultInjector(List<Integer> failAt) {
      this.failAt = failAt;
    }

    @Override
    public MiniBatch map(MiniBatch b) {
      int n = SEEN.computeIfAbsent(b.modelId, k -> new AtomicInteger()).incrementAndGet();
      if (failAt.contains(n) && FIRED.add(b.modelId + "@" + n)) {
        throw new IllegalStateException("injected failure at batch " + n + " of " + b.modelId);
      }
      return b;
    }
  }

  @Test
  void checkpointEvery100msReportsTheSameFiguresAsNoCheckpoints() throws Exception {
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      createTopics(bs, 2, P + "samples", P + "a-metrics", P + "a-models", P + "a-rejected", P + "b-metrics",
          P + "b-models", P + "b-rejected", P + "c-metrics", P + "c-models", P + "c-rejected");
      Map<String, Map<String, Object>> cases = cases();
      try (KafkaProducer<byte[], byte[]> prod = KafkaTestSupport.producer(bs)) {
        for (Map.Entry<String, String> e : MODELS.entrySet()) {
          double[][] rows = rows(cases.get(e.getValue()));
          boolean real = e.getValue().startsWith("linear") || e.getValue().startsWith("lr_");
          produce(prod, e.getKey(), PER_MODEL, (i, smp) -> {
            double[] r = rows[(int) (i % rows.length)];
            for (int k = 0; k < r.length - 1; k++) {
              smp.addDense(r[k]);
            }
            if (real) {
              smp.setRealLabel(r[r.length - 1]);
            } else {
              smp.setBinaryLabel(r[r.length - 1] == 1.0);
            }
          });
        }
        prod.flush();
      }
      run(bs, spec(P + "a-", 100, cases), new CheckpointCounter());
      int checkpoints = CHECKPOINTS.get();
      run(bs, spec(P + "b-", 3_600_000, cases), null);
      // Failures at batch counts spread over the run (counted per model over all attempts, each fires once).
      List<Integer> failAt = List.of(150, 520, 1210);
      run(bs, spec(P + "c-", 100, cases), new FaultInjector(failAt));

      List<TrainingMetrics> a = decodeAll(readAll(bs, P + "a-metrics"), TrainingMetrics.class);
      List<TrainingMetrics> b = decodeAll(readAll(bs, P + "b-metrics"), TrainingMetrics.class);
      List<TrainingMetrics> c = decodeAll(readAll(bs, P + "c-metrics"), TrainingMetrics.class);
      assertThat(FIRED).hasSize(3 * MODELS.size());
      System.out.println("DiagnosticsCheckpointIT: " + checkpoints + " checkpoints completed in the 100 ms run");
      assertThat(checkpoints).isGreaterThanOrEqualTo(3);
      for (String id : MODELS.keySet()) {
        List<String> ra = rendered(a, id);
        List<String> rb = rendered(b, id);
        assertThat(ra).as(id).hasSize(PER_MODEL / 32 / 50);
        assertThat(ra).as(id).isEqualTo(rb);
        assertThat(rendered(c, id)).as(id + " after failures").isEqualTo(rb);
        ModelSnapshot sa = TrainingRuns.lastSnapshot(decodeAll(readAll(bs, P + "a-models"), ModelSnapshot.class), id);
        ModelSnapshot sb = TrainingRuns.lastSnapshot(decodeAll(readAll(bs, P + "b-models"), ModelSnapshot.class), id);
        ModelSnapshot sc = TrainingRuns.lastSnapshot(decodeAll(readAll(bs, P + "c-models"), ModelSnapshot.class), id);
        assertThat(TrainingRuns.bits(sa.getParameters())).as(id).isEqualTo(TrainingRuns.bits(sb.getParameters()));
        assertThat(TrainingRuns.bits(sc.getParameters())).as(id).isEqualTo(TrainingRuns.bits(sb.getParameters()));
        List<TrainingMetrics> reports = a.stream().filter(m -> m.getModelId().equals(id))
            .sorted(Comparator.comparingLong(TrainingMetrics::getStep)).toList();
        TrainingMetrics last = reports.get(reports.size() - 1);
        System.out.println("DiagnosticsCheckpointIT " + id + ": states " + reports.stream()
            .map(m -> m.getStep() + ":" + m.getDiagnostics().getTrainingState()).toList() + ", probes "
            + value(last, "probes") + ", probe_work_share " + value(last, "probe_work_share") + ", lambda_max "
            + value(last, "hessian_max_eigenvalue") + ", lambda_min " + value(last, "hessian_min_eigenvalue")
            + ", escapes " + value(last, "saddle_escapes") + ", loss " + last.getLossMean());
        assertThat(value(last, "probe_work_share")).as(id + " diagnostics share of work").isBetween(0.18, 0.20);
        Map<String, Object> fixture = cases.get(MODELS.get(id));
        if (!id.equals("deep")) {
          assertThat(value(last, "probes")).as(id + " probes").isGreaterThanOrEqualTo(1.0);
          assertThat(value(last, "probe_samples")).as(id).isEqualTo(256.0);
        }
        if (id.equals("saddle-escape")) {
          assertThat(value(last, "saddle_escapes")).isGreaterThanOrEqualTo(1.0);
          assertThat(last.getLossMean()).isLessThan(0.2); // ln 2 = 0.693 at the saddle
          continue;
        }
        if (id.equals("circles-escape")) {
          // A degenerate saddle: left by a seeded perturbation (the checks do not confirm the probe's curvature).
          assertThat(value(last, "saddle_perturbations")).isGreaterThanOrEqualTo(1.0);
          assertThat(reports.stream().flatMap(m -> m.getEvents().stream()))
              .anyMatch(ev -> ev.getType().equals("saddle_escape") && ev.getMessage().contains("seeded perturbation"));
          assertThat(last.getLossMean()).isLessThan(0.3);
          continue;
        }
        assertThat(last.getDiagnostics().getTrainingState()).as(id).isEqualTo(fixture.get("expected"));
        @SuppressWarnings("unchecked")
        Map<String, List<Number>> range = (Map<String, List<Number>>) fixture.get("subset_range");
        if (range != null && !id.equals("logistic")) {
          // Linear: the Hessian does not depend on the parameters; the saddle's stay at the origin.
          for (TrainingMetrics m : reports) {
            double lmax = value(m, "hessian_max_eigenvalue");
            if (!Double.isNaN(lmax)) {
              assertThat(lmax).as(id).isBetween(range.get("lambda_max").get(0).doubleValue() - 1e-9,
                  range.get("lambda_max").get(1).doubleValue() + 1e-9);
              assertThat(value(m, "hessian_min_eigenvalue")).as(id).isBetween(
                  range.get("lambda_min").get(0).doubleValue() - 1e-9,
                  range.get("lambda_min").get(1).doubleValue() + 1e-9);
            }
          }
        }
      }
    }
  }

  static void produce(KafkaProducer<byte[], byte[]> prod, String id, int n, DiagnosticsJobIT.Fill f) {
    io.streamtrain.io.SampleCodec codec = new io.streamtrain.io.SampleCodec();
    io.streamtrain.io.MutableSample s = new io.streamtrain.io.MutableSample();
    byte[] key = id.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int i = 0; i < n; i++) {
      s.clear();
      f.fill(i, s);
      s.modelId = id;
      s.eventTime = 1_000L + i;
      prod.send(new org.apache.kafka.clients.producer.ProducerRecord<>(P + "samples", key, codec.encode(s)));
    }
  }

  static double value(TrainingMetrics m, String name) {
    return m.getDiagnostics().getValues().stream().filter(v -> v.getName().equals(name))
        .mapToDouble(DiagnosticValue::getValue).findFirst().orElse(Double.NaN);
  }

  /** A model's reports in step order, without the wall-clock figures, in Avro's JSON rendering. */
  static List<String> rendered(List<TrainingMetrics> metrics, String id) {
    return metrics.stream().filter(m -> m.getModelId().equals(id))
        .sorted(Comparator.comparingLong(TrainingMetrics::getStep))
        .map(m -> TrainingMetrics.newBuilder(m).setSamplesPerSecond(Double.NaN).setConsumerLag(null).build()
            .toString())
        .toList();
  }

  static JobSpec spec(String prefix, long checkpointMs, Map<String, Map<String, Object>> cases) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", prefix + "job");
    Map<String, Object> two = Map.of("dense", 2);
    List<Map<String, Object>> models = new java.util.ArrayList<>();
    for (Map.Entry<String, String> e : MODELS.entrySet()) {
      Map<String, Object> c = cases.get(e.getValue());
      Map<String, Object> model = switch (e.getValue()) {
        case "linear_kappa_1e3", "lr_above_two_over_lambda_max" -> Map.of("type", "linear", "features", two);
        case "logistic_near_optimum" -> Map.of("type", "logistic", "features", two);
        case "strict_saddle" -> Map.of("type", "mlp", "layers", List.of(2, 4, 1), "activation", "tanh",
            "head", "logistic", "init", "zeros");
        case "zero_init_circles" -> Map.of("type", "mlp", "layers", List.of(2, 16, 1), "activation", "tanh",
            "head", "logistic", "init", "zeros");
        default -> Map.of("type", "mlp", "layers", List.of(8, 16, 16, 16, 16, 16, 16, 16, 16, 16, 1),
            "activation", "sigmoid", "head", "logistic", "init", "torch_default", "seed", 3);
      };
      models.add(DiagnosticsJobIT.model(e.getKey(), model, Map.of("type", "sgd", "lr", c.get("lr")), 32, x -> {
        if (c.get("clip_max_norm") != null) {
          x.put("clip", Map.of("type", "norm", "max_norm", c.get("clip_max_norm")));
        }
        if (e.getKey().endsWith("-escape")) {
          x.put("diagnostics", Map.of("saddle_escape", Map.of("enabled", true)));
        }
      }));
    }
    m.put("models", models);
    m.put("topics", Map.of("samples", P + "samples", "metrics", prefix + "metrics", "models", prefix + "models",
        "rejected", prefix + "rejected"));
    m.put("snapshots", Map.of("every_steps", 500));
    m.put("metrics", Map.of("every_batches", 50));
    m.put("checkpoint", Map.of("interval_ms", checkpointMs));
    m.put("parallelism", 2);
    m.put("source", Map.of("bounded", true));
    return JobSpec.fromMap(m);
  }

  static void run(String bootstrap, JobSpec spec, MapFunction<MiniBatch, MiniBatch> interceptor) throws Exception {
    Configuration conf = new Configuration();
    conf.setString("restart-strategy.type", "fixed-delay");
    conf.setString("restart-strategy.fixed-delay.attempts", "20");
    conf.setString("restart-strategy.fixed-delay.delay", "200 ms");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(spec.parallelism(), conf);
    TrainingJob.configure(env, spec);
    TrainingJob job = KafkaTrainingIo.job(spec, KafkaSettings.ofBootstrap(bootstrap));
    if (interceptor != null) {
      job.withBatchInterceptor(s -> s.map(interceptor).returns(MiniBatch.TYPE).name("interceptor"));
    }
    job.build(env);
    env.execute(spec.name());
  }
}
