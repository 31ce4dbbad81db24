package io.streamtrain.bench;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.diag.DiagnosticsConfig;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.core.train.TrainingConfig;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of the training diagnostics per optimizer step: an MLP 32-64-64-1 (tanh, logistic head, 6,337 parameters)
 * trained with Adam on batches of 32, with diagnostics off, with the per-batch statistics only, with the default
 * curvature probe (every 50 batches, reservoir 256, 20 Lanczos steps) under the default 10% time budget, and with
 * the same probe unbounded. The trial's tear-down prints the probe's measured share of the trainer's time and the
 * probes run and skipped, the figures the budget is about.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class DiagnosticsBench {
  @Param({"off", "stats", "probe_budget_10pct", "probe_unbounded"})
  public String mode;

  ModelTrainer trainer;
  TrainerState state;
  Batch[] batches;
  int next;

  @Setup(Level.Trial)
  public void setup() {
    TrainingConfig cfg = TrainingConfig.fromSpec(new SpecReader("", Map.of(
        "model", Map.of("type", "mlp", "layers", List.of(32, 64, 64, 1), "activation", "tanh", "head", "logistic",
            "init", "torch_default", "seed", 1),
        "optimizer", Map.of("type", "adam", "lr", 1e-3),
        "batching", Map.of("batch_size", 32, "shuffle_capacity", 32))));
    trainer = new ModelTrainer(cfg);
    Map<String, Object> diag = switch (mode) {
      case "off" -> Map.of("enabled", false);
      case "stats" -> Map.of("probe_every", 0);
      case "probe_budget_10pct" -> Map.of();
      case "probe_unbounded" -> Map.of("budget_share", 1.0);
      default -> throw new IllegalArgumentException(mode);
    };
    trainer.enableDiagnostics(DiagnosticsConfig.fromSpec(new SpecReader("diagnostics", diag)));
    state = trainer.newState("bench");
    Random rnd = new Random(2);
    batches = new Batch[64];
    double[] x = new double[32];
    for (int b = 0; b < batches.length; b++) {
      batches[b] = trainer.model().newBatch(32);
      for (int i = 0; i < 32; i++) {
        for (int j = 0; j < 32; j++) {
          x[j] = rnd.nextGaussian();
        }
        batches[b].addDense(x, 0, x[0] + 0.5 * x[1] > 0 ? 1 : 0, 1.0);
      }
    }
  }

  @Benchmark
  public double step() {
    Batch b = batches[next];
    next = (next + 1) & (batches.length - 1);
    return trainer.train(state, b).loss;
  }

  @TearDown(Level.Trial)
  public void report() {
    System.out.printf("%n[diag %s] steps %d, probes %d, probe work share %.4f%n",
        mode, state.step, state.diag.probes, state.diag.probeShare());
  }
}
