package io.streamtrain.flink.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.data.Example;
import io.streamtrain.job.JobSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingTaskMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The trainer operator in a test harness with an intercepting metric group: the diagnostics reach the Flink
 * gauges (training state and the named figures) as well as the emitted metrics records.
 */
class TrainerFunctionDiagnosticsTest {

  /** Captures every metric, flattening sub-groups (the function registers under "streamtrain", "model_id"). */
  static final class Captured extends InterceptingOperatorMetricGroup {
    @Override
    public MetricGroup addGroup(String name) {
      return this;
    }

    @Override
    public MetricGroup addGroup(String key, String value) {
      return this; // the model_id group of ModelGauges
    }
  }

  @Test
  void saddleShowsInTheGaugesAndTheMetricsRecords() throws Exception {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("model", Map.of("type", "mlp", "layers", List.of(1, 1, 1), "activation", "identity", "head", "linear",
        "init", "zeros"));
    spec.put("optimizer", Map.of("type", "sgd", "lr", 0.1));
    spec.put("batching", Map.of("batch_size", 2, "shuffle_capacity", 2));
    spec.put("metrics", Map.of("every_batches", 1));
    spec.put("diagnostics", Map.of("probe_every", 2, "probe_warmup", 0, "reservoir", 4, "lanczos_steps", 4,
        "budget_share", 1.0));
    Captured op = new Captured();
    InterceptingTaskMetricGroup task = new InterceptingTaskMetricGroup() {
      @Override
      public InternalOperatorMetricGroup getOrAddOperator(OperatorID id, String name, Map<String, String> extra) {
        return op;
      }
    };
    try (MockEnvironment env = new MockEnvironmentBuilder().setMetricGroup(task).build();
        KeyedOneInputStreamOperatorTestHarness<String, MiniBatch, TrainingMetrics> h =
            new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new TrainerFunction(spec, TrainingJob.SNAPSHOTS)), b -> b.modelId,
                Types.STRING, env)) {
      h.open();
      int cfg = JobSpec.fromMap(spec).configIndex("m");
      for (int i = 0; i < 4; i++) {
        MiniBatch b = new MiniBatch(2);
        b.reset("m", cfg);
        b.append(Example.dense(new double[] {1}, 1).setModelId("m").setEventTime(10L * i));
        b.append(Example.dense(new double[] {-1}, -1).setModelId("m").setEventTime(10L * i + 1));
        h.processElement(b, 10L * i);
      }
      assertThat(((Gauge<?>) op.get("training_state")).getValue()).isEqualTo("SADDLE");
      assertThat((Double) ((Gauge<?>) op.get("diag_hessian_min_eigenvalue")).getValue()).isCloseTo(-2.0, within(1e-9));
      assertThat((Double) ((Gauge<?>) op.get("diag_hessian_max_eigenvalue")).getValue()).isCloseTo(2.0, within(1e-9));
      assertThat((Double) ((Gauge<?>) op.get("diag_probes")).getValue()).isEqualTo(2.0);
      List<TrainingMetrics> out = h.extractOutputValues();
      assertThat(out).hasSize(4);
      assertThat(out.get(3).getDiagnostics().getTrainingState()).isEqualTo("SADDLE");
      assertThat(out.get(3).getDiagnostics().getEvidence()).contains("lambda_min -2.000");
    }
  }
}
