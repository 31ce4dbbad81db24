package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.DiagnosticValue;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.random.Xoshiro256;
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
 * Checkpoints do not change what the diagnostics report: the same stream trained by the job once with a
 * checkpoint every 100 ms and once with none during the run (an interval of an hour: only the final checkpoint of
 * the bounded job), with the default diagnostics (probe budget 0.10) plus an early first probe and the saddle
 * escape on. Every report of every model (diagnostics figures, training state, worst state, evidence, events) and
 * the final parameters are bit-identical; only the wall-clock figures (samples_per_second, consumer_lag) are left
 * out. A third run with the 100 ms checkpoints also fails three times per model (exceptions thrown between the
 * batcher and the trainer, so the job restarts from its last checkpoint) and ends with the same reports and
 * parameters as the run without failures. The models: a zero-initialized tanh MLP at a saddle (mirrored pairs),
 * a linear regression with condition ~1e3 at lr * lambda_max = 1.9, and a logistic regression. The probes' share
 * of work stays within the budget.
 */
class DiagnosticsCheckpointIT {
  static final String P = "dck-";
  static final int PER_MODEL = 32 * 1200;
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
      try (KafkaProducer<byte[], byte[]> prod = KafkaTestSupport.producer(bs)) {
        Xoshiro256 rng = new Xoshiro256(41);
        double[] pair = new double[3];
        produce(prod, "saddle", PER_MODEL, (i, s) -> {
          if (i % 2 == 0) {
            pair[0] = rng.nextGaussian();
            pair[1] = rng.nextGaussian();
            pair[2] = pair[0] + 0.5 * pair[1] > 0 ? 1 : 0;
            s.addDense(pair[0]);
            s.addDense(pair[1]);
            s.setBinaryLabel(pair[2] == 1);
          } else {
            s.addDense(-pair[0]);
            s.addDense(-pair[1]);
            s.setBinaryLabel(pair[2] == 0);
          }
        });
        produce(prod, "kappa", PER_MODEL, (i, s) -> {
          double x1 = rng.nextDouble() < 0.5 ? -2 : 2;
          double x2 = (rng.nextDouble() < 0.5 ? -1 : 1) * Math.sqrt(0.004);
          s.addDense(x1);
          s.addDense(x2);
          s.setRealLabel(0.5 * x1 - 2 * x2 + 0.3 + 0.1 * rng.nextGaussian());
        });
        produce(prod, "logistic", PER_MODEL, (i, s) -> {
          double a = rng.nextGaussian();
          double b = rng.nextGaussian();
          s.addDense(a);
          s.addDense(b);
          s.setBinaryLabel(rng.nextDouble() < 1 / (1 + Math.exp(-(1.5 * a - b + 0.2))));
        });
        prod.flush();
      }
      run(bs, spec(P + "a-", 100), new CheckpointCounter());
      int checkpoints = CHECKPOINTS.get();
      run(bs, spec(P + "b-", 3_600_000), null);
      // Failures at batch counts spread over the run (counted per model over all attempts, each fires once).
      List<Integer> failAt = List.of(150, 520, 910);
      run(bs, spec(P + "c-", 100), new FaultInjector(failAt));

      List<TrainingMetrics> a = decodeAll(readAll(bs, P + "a-metrics"), TrainingMetrics.class);
      List<TrainingMetrics> b = decodeAll(readAll(bs, P + "b-metrics"), TrainingMetrics.class);
      List<TrainingMetrics> c = decodeAll(readAll(bs, P + "c-metrics"), TrainingMetrics.class);
      assertThat(FIRED).hasSize(9);
      System.out.println("DiagnosticsCheckpointIT: " + checkpoints + " checkpoints completed in the 100 ms run");
      assertThat(checkpoints).isGreaterThanOrEqualTo(3);
      for (String id : List.of("saddle", "kappa", "logistic")) {
        List<String> ra = rendered(a, id);
        List<String> rb = rendered(b, id);
        assertThat(ra).as(id).hasSize(PER_MODEL / 32 / 50 + (PER_MODEL / 32 % 50 == 0 ? 0 : 1));
        assertThat(ra).as(id).isEqualTo(rb);
        assertThat(rendered(c, id)).as(id + " after failures").isEqualTo(rb);
        ModelSnapshot sa = TrainingRuns.lastSnapshot(decodeAll(readAll(bs, P + "a-models"), ModelSnapshot.class), id);
        ModelSnapshot sb = TrainingRuns.lastSnapshot(decodeAll(readAll(bs, P + "b-models"), ModelSnapshot.class), id);
        ModelSnapshot sc = TrainingRuns.lastSnapshot(decodeAll(readAll(bs, P + "c-models"), ModelSnapshot.class), id);
        assertThat(TrainingRuns.bits(sa.getParameters())).as(id).isEqualTo(TrainingRuns.bits(sb.getParameters()));
        assertThat(TrainingRuns.bits(sc.getParameters())).as(id).isEqualTo(TrainingRuns.bits(sb.getParameters()));
        TrainingMetrics last = a.stream().filter(m -> m.getModelId().equals(id))
            .max(Comparator.comparingLong(TrainingMetrics::getStep)).orElseThrow();
        assertThat(value(last, "probes")).as(id + " probes").isGreaterThanOrEqualTo(1.0);
        assertThat(value(last, "probe_samples")).as(id).isEqualTo(256.0);
        assertThat(value(last, "probe_work_share")).as(id + " probe share").isBetween(0.08, 0.10);
        System.out.println("DiagnosticsCheckpointIT " + id + ": state " + last.getDiagnostics().getTrainingState()
            + ", probes " + value(last, "probes") + ", probe_work_share " + value(last, "probe_work_share")
            + ", lambda_max " + value(last, "hessian_max_eigenvalue") + ", lambda_min "
            + value(last, "hessian_min_eigenvalue") + ", escapes " + value(last, "saddle_escapes")
            + ", loss " + last.getLossMean());
      }
      TrainingMetrics kappa = a.stream().filter(m -> m.getModelId().equals("kappa"))
          .max(Comparator.comparingLong(TrainingMetrics::getStep)).orElseThrow();
      assertThat(kappa.getDiagnostics().getTrainingState()).isEqualTo("ILL_CONDITIONED");
      assertThat(a.stream().filter(m -> m.getModelId().equals("saddle")).flatMap(m -> m.getEvents().stream())
          .filter(e -> e.getType().equals("saddle_escape")).count()).isGreaterThanOrEqualTo(1);
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

  static JobSpec spec(String prefix, long checkpointMs) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", prefix + "job");
    Map<String, Object> two = Map.of("dense", 2);
    m.put("models", List.of(
        DiagnosticsJobIT.model("saddle", Map.of("type", "mlp", "layers", List.of(2, 4, 1), "activation", "tanh",
            "head", "logistic", "init", "zeros"), Map.of("type", "sgd", "lr", 0.5), 32, x -> {}),
        DiagnosticsJobIT.model("kappa", Map.of("type", "linear", "features", two),
            Map.of("type", "sgd", "lr", 1.9 / 8.0), 32, x -> {}),
        DiagnosticsJobIT.model("logistic", Map.of("type", "logistic", "features", two),
            Map.of("type", "sgd", "lr", 0.5), 32, x -> {})));
    m.put("diagnostics", Map.of("probe_warmup", 100, "saddle_escape", Map.of("enabled", true)));
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
