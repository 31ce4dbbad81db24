package io.streamtrain.bench;

import io.streamtrain.core.schedule.CosineAnnealingLR;
import io.streamtrain.core.schedule.CosineAnnealingWarmRestarts;
import io.streamtrain.core.schedule.LinearLR;
import io.streamtrain.core.schedule.LrScheduler;
import io.streamtrain.core.schedule.OneCycleLR;
import io.streamtrain.core.schedule.ReduceLROnPlateau;
import io.streamtrain.core.schedule.SequentialLR;
import io.streamtrain.core.schedule.StepLR;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Cost of a schedule in the trainer's per-step pattern (read lr and momentum, then step), to show that it is
 * negligible next to an optimizer step and allocates nothing: run with {@code -prof gc} and read
 * {@code gc.alloc.rate.norm} (bytes per operation). {@code viaOptional} is the {@code momentum().ifPresent(...)}
 * form, {@code viaPrimitives} the {@code cyclesMomentum()/currentMomentum()} form.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ScheduleStepBench {
  @Param({"StepLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "SequentialLR", "OneCycleLR", "ReduceLROnPlateau"})
  public String type;

  private LrScheduler sched;
  private double lr;
  private double momentum;
  private double metric;

  @Setup
  public void setup() {
    double base = 0.1;
    sched =
        switch (type) {
          case "StepLR" -> new StepLR(base, 1000, 0.999);
          case "CosineAnnealingLR" -> new CosineAnnealingLR(base, 1_000_000, 1e-4);
          case "CosineAnnealingWarmRestarts" -> new CosineAnnealingWarmRestarts(base, 1000, 2, 1e-4);
          case "SequentialLR" ->
              new SequentialLR(
                  base,
                  List.of(new LinearLR(base, 0.01, 1.0, 1000), new CosineAnnealingLR(base, 1_000_000, 1e-4)),
                  new long[] {1000});
          // total_steps far beyond what a measurement can reach, so the cycle never ends mid-run
          case "OneCycleLR" ->
              new OneCycleLR(0.5, 1L << 50, 0.3, OneCycleLR.Anneal.COS, true, 0.85, 0.95, 25, 1e4, false);
          case "ReduceLROnPlateau" -> new ReduceLROnPlateau(base, "min", 0.5, 10, 1e-4, "rel", 5, 1e-9, 1e-12);
          default -> throw new IllegalArgumentException(type);
        };
  }

  @Benchmark
  public double viaOptional() {
    lr = sched.lr();
    sched.momentum().ifPresent(m -> momentum = m);
    metric = metric * 0.999 + 1.0; // a slowly rising loss so ReduceLROnPlateau keeps reducing
    sched.step(metric);
    return lr + momentum;
  }

  @Benchmark
  public double viaPrimitives() {
    lr = sched.lr();
    if (sched.cyclesMomentum()) {
      momentum = sched.currentMomentum();
    }
    metric = metric * 0.999 + 1.0;
    sched.step(metric);
    return lr + momentum;
  }
}
