package io.streamtrain.bench;

import io.streamtrain.core.optim.Optimizer;
import io.streamtrain.core.optim.Optimizers;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One optimizer step over {@code n} float64 parameters, beside a plain triad {@code a[i] = b[i] + s * c[i]}
 * over the same size in the same run (the memory-bandwidth yardstick). Bytes counted per parameter (reads +
 * writes, STREAM convention, no write-allocate): triad 24 (b, c read; a written); Adam 64 (g, p, m, v read;
 * g, p, m, v written: the update is written back into the gradient array); SGD-momentum 48 (g, p, buf read
 * and written). A step overwrites the gradient with its update; fed back as the next gradient, that decays
 * geometrically into subnormals within a few hundred steps (measuring the FPU's slow path, not the optimizer),
 * so before each invocation the gradient is restored from a pristine copy (outside the timing). For symmetry
 * the triad's input {@code b} is restored the same way, so every benchmark starts from the same cache state:
 * one freshly written n-array.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class OptimizerBench {
  @Param({"1000000", "10000000"})
  public int n;

  private double[] p;
  private double[] g;
  private double[] g0;
  private double[] b0;
  private double[] a;
  private double[] b;
  private double[] c;
  private Optimizer adam;
  private Optimizer sgd;

  @Setup(Level.Trial)
  public void setup() {
    SplittableRandom r = new SplittableRandom(42);
    p = new double[n];
    g = new double[n];
    a = new double[n];
    b = new double[n];
    c = new double[n];
    for (int i = 0; i < n; i++) {
      p[i] = r.nextDouble() - 0.5;
      g[i] = r.nextDouble() - 0.5;
      b[i] = r.nextDouble();
      c[i] = r.nextDouble();
    }
    g0 = g.clone();
    b0 = b.clone();
    adam = Optimizers.adam(1e-3, 0.9, 0.999, 1e-8, 0, false).create(n);
    sgd = Optimizers.sgd(1e-3, 0.9, 0, false, 0).create(n);
  }

  @Setup(Level.Invocation)
  public void restore() {
    System.arraycopy(g0, 0, g, 0, n);
    System.arraycopy(b0, 0, b, 0, n);
  }

  @Benchmark
  public double adamStep() {
    adam.step(p, g);
    return p[n - 1];
  }

  @Benchmark
  public double sgdMomentumStep() {
    sgd.step(p, g);
    return p[n - 1];
  }

  @Benchmark
  public double triad() {
    final double s = 1.0000001;
    final double[] aa = a;
    final double[] bb = b;
    final double[] cc = c;
    for (int i = 0; i < aa.length; i++) {
      aa[i] = bb[i] + s * cc[i];
    }
    return aa[n - 1];
  }
}
