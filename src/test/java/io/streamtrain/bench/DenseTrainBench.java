package io.streamtrain.bench;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ModelSpecs;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The dense model's training loop alone (no trainer, no optimizer chain, no Flink): per step
 * {@code lossAndGradient}, a plain SGD update in place and {@code updateBuffers}, over pre-built batches of dense
 * rows (50 Gaussian features, labels from a fixed logistic teacher). Two models: an MLP [50, 64, 32, 1] (tanh,
 * batch norm, logistic head) and logistic regression on the same rows (25 times the steps, it is that much cheaper); for the MLP also the Hessian-vector product
 * the diagnostics' Lanczos probe calls. Prints samples/s per repetition (per wall-clock second and per second of
 * the thread's CPU time, the steadier figure on a shared machine) and the medians of the repetitions, and a
 * checksum of the final parameters (equal before and after a behaviour-preserving change). A scripted benchmark,
 * not a test.
 *
 * <p>Arguments: {@code steps=N batch=B reps=R only=all|mlp|logistic|hvp}.
 */
public final class DenseTrainBench {
  private DenseTrainBench() {}

  public static void main(String[] args) {
    Map<String, String> a = BenchArgs.parse(args, Map.of("steps", "4000", "batch", "256", "reps", "3", "only", "all"));
    String only = a.get("only");
    int steps = Integer.parseInt(a.get("steps"));
    int bs = Integer.parseInt(a.get("batch"));
    int reps = Integer.parseInt(a.get("reps"));
    Map<String, Object> mlp = Map.of("type", "mlp", "layers", List.of(50, 64, 32, 1), "activation", "tanh",
        "head", "logistic", "batch_norm", true, "seed", 7);
    Map<String, Object> logistic = Map.of("type", "logistic", "features", Map.of("dense", 50));
    if (only.equals("all") || only.equals("mlp")) {
      run("mlp [50,64,32,1] bn train", mlp, steps, bs, reps, false);
    }
    if (only.equals("all") || only.equals("logistic")) {
      run("logistic d=50 train", logistic, steps * 25, bs, reps, false);
    }
    if (only.equals("all") || only.equals("hvp")) {
      run("mlp [50,64,32,1] bn hvp", mlp, steps / 4, bs, reps, true);
    }
  }

  private static void run(String name, Map<String, Object> specMap, int steps, int bs, int reps, boolean hvp) {
    Model m = ModelSpecs.fromSpec(new SpecReader("m", specMap)).newModel(bs);
    Batch[] batches = batches(m, bs, 64);
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    double[] secs = new double[reps];
    double[] cpuSecs = new double[reps];
    double check = 0;
    for (int rep = 0; rep < reps; rep++) {
      double[] p = new double[m.numParams()];
      m.init(p, 1);
      double[] buf = new double[m.numBuffers()];
      m.initBuffers(buf);
      double[] g = new double[p.length];
      double[] v = new double[p.length];
      java.util.Arrays.fill(v, 1e-3);
      double[] hv = new double[p.length];
      long t0 = System.nanoTime();
      long c0 = mx.getCurrentThreadCpuTime();
      for (int s = 0; s < steps; s++) {
        Batch b = batches[s % batches.length];
        if (hvp) {
          m.hessianVectorProduct(p, b, v, hv);
          v[s % v.length] += hv[s % v.length] * 1e-6;
          continue;
        }
        m.setDropoutStep(s);
        m.lossAndGradient(p, b, g);
        for (int j = 0; j < p.length; j++) {
          p[j] -= 0.05 * g[j];
        }
        m.updateBuffers(p, b, buf);
      }
      secs[rep] = (System.nanoTime() - t0) / 1e9;
      cpuSecs[rep] = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
      check = 0;
      for (double x : hvp ? hv : p) {
        check += x;
      }
      System.out.printf("%s rep %d: %.0f samples/s, %.0f samples/cpu-s%n", name, rep,
          (double) steps * bs / secs[rep], (double) steps * bs / cpuSecs[rep]);
    }
    System.out.printf("%s: median %.0f samples/s, %.0f samples/cpu-s (%d steps of %d), checksum %s%n", name,
        (double) steps * bs / median(secs), (double) steps * bs / median(cpuSecs), steps, bs,
        Double.toHexString(check));
  }

  private static double median(double[] a) {
    double[] sorted = a.clone();
    java.util.Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static Batch[] batches(Model m, int bs, int count) {
    Random rnd = new Random(11);
    double[] teacher = new double[50];
    for (int j = 0; j < 50; j++) {
      teacher[j] = rnd.nextGaussian() / 5;
    }
    Batch[] out = new Batch[count];
    double[] x = new double[50];
    for (int c = 0; c < count; c++) {
      out[c] = m.newBatch(bs);
      for (int i = 0; i < bs; i++) {
        double z = 0;
        for (int j = 0; j < 50; j++) {
          x[j] = rnd.nextGaussian();
          z += teacher[j] * x[j];
        }
        out[c].addDense(x, 0, rnd.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0, 1.0);
      }
    }
    return out;
  }
}
