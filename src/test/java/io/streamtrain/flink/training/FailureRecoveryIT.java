package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.random.Xoshiro256;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.TrainingRuns;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once training under failure: exceptions are thrown at random points of a 100k-sample stream (between
 * the batcher and the trainer, so the whole pipeline restarts from the last checkpoint), and the job ends with
 * the parameters of a failure-free run, bit for bit; the metrics topic read with read_committed has every
 * sample exactly once and snapshot versions only increase. The loss-spike guard is on and tenant-y's stream
 * carries seeded outliers (flipped label, features x1000), so rollbacks happen between the failures: the
 * guard's state (last good copy, lr cut) is part of the checkpoints, and each rollback is reported exactly once.
 * Drift detection (ADWIN on the progressive errors, boost_lr reaction) runs too: its state is a checkpointed part,
 * and the recovered run detects at the same steps, reports each detection once and boosts the same steps.
 */
class FailureRecoveryIT {
  /** Batches seen per (plan, subtask) across restarts, and which planned failures already fired: in-JVM only. */
  static final Map<String, AtomicInteger> SEEN = new ConcurrentHashMap<>();
  static final Set<String> FIRED = ConcurrentHashMap.newKeySet();

  /** Throws once at each planned batch count (counted over all attempts, so each failure fires once). */
  static final class FaultInjector implements MapFunction<MiniBatch, MiniBatch> {
    private final String plan;
    private final List<Integer> failAt;

    FaultInjector(String plan, List<Integer> failAt) {
      this.plan = plan;
      this.failAt = failAt;
    }

    @Override
    public MiniBatch map(MiniBatch b) {
      int n = SEEN.computeIfAbsent(plan + "/" + b.modelId, k -> new AtomicInteger()).incrementAndGet();
      for (int at : failAt) {
        if (n == at && FIRED.add(plan + "/" + b.modelId + "@" + at)) {
          throw new IllegalStateException("injected failure at batch " + at + " of " + b.modelId);
        }
      }
      return b;
    }
  }

  @Test
  void recoveredRunEqualsFailureFreeRunBitForBit() throws Exception {
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      createTopics(bs, 2, "fr-samples", "fr-metrics", "fr-models", "fr-rejected", "ok-metrics", "ok-models",
          "ok-rejected");
      int n = 51_200; // two models: 102,400 samples in all
      produce(bs, "fr-samples", "tenant-x", Generators.create("hyperplane", Map.of("dims", 8), 3), n);
      produce(bs, "fr-samples", "tenant-y", withOutliers(Generators.create("linear", Map.of("dims", 8), 4), n), n);

      // Failures at random batch counts (seeded, so the test is reproducible): 3 per model.
      Xoshiro256 rng = new Xoshiro256(20261127L);
      List<Integer> failAt = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        failAt.add(50 + rng.nextInt(n / 32 - 100));
      }
      run(bs, spec("fr-job", "fr-"), new FaultInjector("fr", failAt));
      run(bs, spec("ok-job", "ok-"), null);

      // This plan's failures only: other tests in the same JVM use the injector with plans of their own.
      assertThat(FIRED.stream().filter(k -> k.startsWith("fr/")).count()).isEqualTo(6);
      for (String id : List.of("tenant-x", "tenant-y")) {
        ModelSnapshot a = TrainingRuns.lastSnapshot(decodeAll(readAll(bs, "fr-models"), ModelSnapshot.class), id);
        ModelSnapshot b = TrainingRuns.lastSnapshot(decodeAll(readAll(bs, "ok-models"), ModelSnapshot.class), id);
        // Batches the guard rolled back are not applied: steps = batches - skipped (checked with the metrics below).
        assertThat(a.getStep()).isEqualTo(b.getStep()).isBetween((n + 31) / 32 - 12L, (n + 31) / 32 + 0L);
        assertThat(TrainingRuns.bits(a.getParameters())).isEqualTo(TrainingRuns.bits(b.getParameters()));
        List<Long> versions = decodeAll(readAll(bs, "fr-models"), ModelSnapshot.class).stream()
            .filter(s -> s.getModelId().equals(id)).map(ModelSnapshot::getVersion).toList();
        assertThat(versions).isSorted().doesNotHaveDuplicates();
      }
      // The outliers made the guard roll back; both runs rolled back at the same steps, each reported once.
      Awaitility.await("rollback events").atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(2))
          .untilAsserted(() -> {
            List<String> fr = rollbacks(decodeAll(readAll(bs, "fr-metrics"), TrainingMetrics.class));
            List<String> ok = rollbacks(decodeAll(readAll(bs, "ok-metrics"), TrainingMetrics.class));
            assertThat(fr).isEqualTo(ok).doesNotHaveDuplicates();
            assertThat(fr.stream().filter(e -> e.startsWith("tenant-y")).count()).isGreaterThanOrEqualTo(3);
            System.out.println("FailureRecoveryIT rollbacks (model step): " + fr);
          });
      // The drift watch saw the same changes at the same steps in both runs, each reported once.
      Awaitility.await("drift events").atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(2))
          .untilAsserted(() -> {
            List<String> fr = driftEvents(decodeAll(readAll(bs, "fr-metrics"), TrainingMetrics.class));
            List<String> ok = driftEvents(decodeAll(readAll(bs, "ok-metrics"), TrainingMetrics.class));
            assertThat(fr).isEqualTo(ok).doesNotHaveDuplicates();
            assertThat(fr).anyMatch(e -> e.contains("drift_detected"));
            System.out.println("FailureRecoveryIT drift events (model step type): " + fr);
          });
      Awaitility.await("every sample reported exactly once").atMost(Duration.ofSeconds(150))
          .pollInterval(Duration.ofSeconds(2))
          .untilAsserted(() -> {
            List<TrainingMetrics> m = decodeAll(readAll(bs, "fr-metrics"), TrainingMetrics.class);
            for (String id : List.of("tenant-x", "tenant-y")) {
              TrainingMetrics last = m.stream().filter(x -> x.getModelId().equals(id))
                  .max(Comparator.comparingLong(TrainingMetrics::getBatchesSeen)).orElseThrow();
              // Every batch once: applied ones in steps, rolled-back ones in skipped_batches (all of 32 samples).
              assertThat(last.getStep() + last.getSkippedBatches()).as(id).isEqualTo((n + 31) / 32);
              assertThat(m.stream().filter(x -> x.getModelId().equals(id))
                  .mapToLong(TrainingMetrics::getSamplesInReport).sum()).as(id)
                  .isEqualTo(n - 32 * last.getSkippedBatches());
              List<Long> steps = m.stream().filter(x -> x.getModelId().equals(id)).map(TrainingMetrics::getStep)
                  .toList();
              assertThat(steps).as(id).isSorted().doesNotHaveDuplicates();
            }
          });
    }
  }

  /** The generator with ~12 seeded outliers after the first 3,200 samples: label flipped, features x1000. */
  static io.streamtrain.io.gen.SampleGenerator withOutliers(io.streamtrain.io.gen.SampleGenerator g, int n) {
    Xoshiro256 rng = new Xoshiro256(99);
    java.util.Set<Long> at = new java.util.TreeSet<>();
    while (at.size() < 12) {
      at.add(3_200L + rng.nextInt(n - 3_200));
    }
    return new io.streamtrain.io.gen.SampleGenerator() {
      @Override
      public void next(io.streamtrain.io.MutableSample into) {
        long i = g.index();
        g.next(into);
        if (at.contains(i)) {
          for (int j = 0; j < into.denseSize; j++) {
            into.dense[j] *= 1000;
          }
          into.label = 1 - into.label;
        }
      }

      @Override
      public long index() {
        return g.index();
      }

      @Override
      public int dimensions() {
        return g.dimensions();
      }
    };
  }

  /** "model step" of every loss_spike_rollback event in the metrics, in order. */
  static List<String> rollbacks(List<TrainingMetrics> metrics) {
    return metrics.stream().flatMap(m -> m.getEvents().stream().filter(e -> e.getType().equals("loss_spike_rollback"))
        .map(e -> m.getModelId() + " " + e.getStep())).sorted().toList();
  }

  /** "model step type" of every drift event in the metrics, in order. */
  static List<String> driftEvents(List<TrainingMetrics> metrics) {
    return metrics.stream().flatMap(m -> m.getEvents().stream().filter(e -> e.getType().startsWith("drift_"))
        .map(e -> m.getModelId() + " " + e.getStep() + " " + e.getType())).sorted().toList();
  }

  private static JobSpec spec(String name, String prefix) {
    Map<String, Object> raw = TrainingJobIT.spec(name, prefix,
        Map.of("type", "logistic", "features", Map.of("dense", 8)), Map.of("type", "adam", "lr", 0.01));
    Map<String, Object> topics = new LinkedHashMap<>((Map<String, Object>) raw.get("topics"));
    topics.put("samples", "fr-samples");
    raw.put("topics", topics);
    raw.put("checkpoint", Map.of("interval_ms", 300));
    raw.put("guard", Map.of("loss_spike_factor", 5, "min_excess", 1.0, "lr_cut", 0.5, "warmup_steps", 20,
        "good_state_every", 25));
    // Drift detection with a reaction that changes training: its state (detector, boost) is checkpointed too.
    raw.put("drift", Map.of("detector", Map.of("type", "adwin", "delta", 0.05),
        "reaction", Map.of("type", "boost_lr", "factor", 2.0, "steps", 20)));
    return JobSpec.fromMap(raw);
  }

  private static void run(String bootstrap, JobSpec spec, FaultInjector injector) throws Exception {
    Configuration conf = new Configuration();
    conf.setString("restart-strategy.type", "fixed-delay");
    conf.setString("restart-strategy.fixed-delay.attempts", "20");
    conf.setString("restart-strategy.fixed-delay.delay", "200 ms");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(spec.parallelism(), conf);
    TrainingJob.configure(env, spec);
    KafkaSettings kafka = KafkaSettings.ofBootstrap(bootstrap);
    TrainingJob job = KafkaTrainingIo.job(spec, kafka);
    if (injector != null) {
      job.withBatchInterceptor(s -> s.map(injector).returns(MiniBatch.TYPE).name("fault-injector"));
    }
    job.build(env);
    env.execute(spec.name());
  }


}
