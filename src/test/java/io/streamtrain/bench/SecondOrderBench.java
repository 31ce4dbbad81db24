package io.streamtrain.bench;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.diag.Lanczos;
import io.streamtrain.core.fit.CountingObjective;
import io.streamtrain.core.fit.FitListener;
import io.streamtrain.core.fit.LbfgsConfig;
import io.streamtrain.core.fit.LbfgsMinimizer;
import io.streamtrain.core.fit.Minimizer;
import io.streamtrain.core.fit.ModelObjective;
import io.streamtrain.core.fit.NewtonCg;
import io.streamtrain.core.fit.NonlinearCg;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ModelSpecs;
import io.streamtrain.core.optim.Optimizer;
import io.streamtrain.core.optim.Optimizers;
import io.streamtrain.core.random.Xoshiro256;
import java.util.List;
import java.util.Map;

/**
 * Passes over the data to the optimum of an ill-conditioned logistic regression, per batch method and for
 * full-batch Adam (issue 18). Data: {@code rows} samples of {@code dims} Gaussian features with scales
 * 10^(spread * j / (dims - 1)) along the axes of a random rotation (see {@link #data}), labels from a logistic model
 * whose weights are scaled by the inverse, so every direction matters. The Hessian's condition number at the optimum is measured (Lanczos to the full dimension, exact)
 * and printed. f* comes from Newton-CG run to a gradient max-norm of 1e-11; a method reaches a target at the first
 * iteration with {@code (f - f*) / |f*| <= target}. A pass is one read of every row: a value, a value and gradient,
 * or a Hessian-vector product (which costs about two gradients of arithmetic; the table shows the kinds).
 *
 * <pre>
 * mvn -q -B test-compile && java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt) \
 *   io.streamtrain.bench.SecondOrderBench [rows=5000] [dims=100] [spread=2] [targets=1e-4,1e-10] [adam_passes=20000]
 * </pre>
 */
public final class SecondOrderBench {
  private SecondOrderBench() {}

  public static void main(String[] args) {
    Map<String, String> a = BenchArgs.parse(args, Map.of("rows", "5000", "dims", "100", "spread", "2",
        "targets", "1e-4,1e-10", "adam_passes", "20000", "seed", "1"));
    int rows = Integer.parseInt(a.get("rows"));
    int dims = Integer.parseInt(a.get("dims"));
    double spread = Double.parseDouble(a.get("spread"));
    String[] ts = a.get("targets").split(",");
    double[] targets = new double[ts.length];
    for (int i = 0; i < ts.length; i++) {
      targets[i] = Double.parseDouble(ts[i]);
    }
    int adamPasses = Integer.parseInt(a.get("adam_passes"));
    Model model = ModelSpecs.fromSpec(new SpecReader("model", Map.of("type", "logistic")), dims).newModel(rows);
    Batch batch = data(model, rows, dims, spread, Long.parseLong(a.get("seed")));
    ModelObjective f = new ModelObjective(model, List.of(batch));
    int n = model.numParams();

    double[] opt = new double[n];
    new NewtonCg(new NewtonCg.Config(1e-11, 500, 1000, 1.0, 1e6, 1e-4, 0, 1e-6)).minimize(opt, f, FitListener.NONE);
    double fStar = f.value(opt);
    Lanczos.Result eig = new Lanczos(n, n).run((v, out) -> f.hessianVector(opt, v, out), n, 3, 1);
    System.out.printf("logistic, %d rows x %d features (scales 1 .. %.0f, rotated), f* = %.15f%n", rows, dims,
        Math.pow(10, spread), fStar);
    System.out.printf("Hessian at the optimum: lambda_max %.4g, lambda_min %.4g, condition %.3g%n%n",
        eig.lambdaMax(), eig.lambdaMin(), eig.lambdaMax() / eig.lambdaMin());
    StringBuilder head = new StringBuilder("| method |");
    StringBuilder rule = new StringBuilder("|---|");
    for (double t : targets) {
      head.append(String.format(" passes to %.0e (value+grad / Hv) |", t));
      rule.append("---|");
    }
    System.out.println(head.append(" iterations to last | ms to last |"));
    System.out.println(rule.append("---|---|"));
    List<Minimizer> methods = List.of(
        new NewtonCg(new NewtonCg.Config(1e-12, 500, 1000, 1.0, 1e6, 1e-4, 0, 1e-6)),
        new LbfgsMinimizer(new LbfgsConfig(1.0, 100000, 200000, 1e-12, 0.0, 10, true)),
        new LbfgsMinimizer(new LbfgsConfig(1.0, 100000, 200000, 1e-12, 0.0, 100, true)),
        new NonlinearCg(new NonlinearCg.Config(NonlinearCg.Beta.POLAK_RIBIERE, 1e-12, 1e-15, 100000, 0, 0.1)),
        new NonlinearCg(new NonlinearCg.Config(NonlinearCg.Beta.FLETCHER_REEVES, 1e-12, 1e-15, 100000, 0, 0.1)));
    String[] labels = {"Newton-CG (trust region)", "L-BFGS strong Wolfe, history 10", "L-BFGS strong Wolfe, history 100",
        "nonlinear CG, Polak-Ribiere+", "nonlinear CG, Fletcher-Reeves"};
    for (int k = 0; k < methods.size(); k++) {
      CountingObjective c = new CountingObjective(f);
      double[] x = new double[n];
      String[] cell = new String[targets.length];
      int[] last = {0};
      long t0 = System.nanoTime();
      long[] stopNs = {0};
      methods.get(k).minimize(x, c, it -> {
        for (int q = 0; q < targets.length; q++) {
          if (cell[q] == null && it.loss() <= fStar + targets[q] * Math.abs(fStar)) {
            cell[q] = it.passes() + " (" + c.gradients() + " / " + c.hessianVectors() + ")";
            last[0] = it.iteration();
            stopNs[0] = System.nanoTime();
          }
        }
      });
      StringBuilder row = new StringBuilder("| " + labels[k] + " |");
      for (String cl : cell) {
        row.append(' ').append(cl == null ? "not reached" : cl).append(" |");
      }
      System.out.println(row.append(String.format(" %d | %.0f |", last[0], (stopNs[0] - t0) / 1e6)));
    }
    for (double lr : new double[] {0.3, 0.1, 0.03, 0.01, 0.003, 0.001}) {
      Optimizer adam = Optimizers.fromSpec(new SpecReader("optimizer", Map.of("type", "adam", "lr", lr)), n);
      double[] x = new double[n];
      double[] g = new double[n];
      String[] cell = new String[targets.length];
      long t0 = System.nanoTime();
      long stopNs = 0;
      int lastPass = 0;
      double fx = Double.NaN;
      for (int p = 1; p <= adamPasses && cell[targets.length - 1] == null; p++) {
        fx = f.valueAndGradient(x, g);
        for (int q = 0; q < targets.length; q++) {
          if (cell[q] == null && fx <= fStar + targets[q] * Math.abs(fStar)) {
            cell[q] = Integer.toString(p);
            lastPass = p;
            stopNs = System.nanoTime();
          }
        }
        adam.step(x, g);
      }
      StringBuilder row = new StringBuilder("| Adam lr " + lr + ", full batch |");
      for (String cl : cell) {
        row.append(' ').append(cl == null
            ? String.format("not in %d (at the end %.1e)", adamPasses, (fx - fStar) / Math.abs(fStar)) : cl).append(" |");
      }
      System.out.println(row.append(lastPass == 0 ? " - | - |" : String.format(" %d | %.0f |", lastPass,
          (stopNs - t0) / 1e6)));
    }
  }

  static Batch data(Model model, int rows, int dims, double spread, long seed) {
    Xoshiro256 rng = new Xoshiro256(seed);
    double[][] house = new double[dims][dims];
    for (double[] h : house) {
      double nn = 0;
      for (int j = 0; j < dims; j++) {
        h[j] = rng.nextGaussian();
        nn += h[j] * h[j];
      }
      for (int j = 0; j < dims; j++) {
        h[j] /= Math.sqrt(nn);
      }
    }
    double[] scale = new double[dims];
    double[] w = new double[dims];
    for (int j = 0; j < dims; j++) {
      scale[j] = Math.pow(10, spread * j / Math.max(1, dims - 1));
      w[j] = rng.nextGaussian() / Math.sqrt(dims) * 2 / scale[j];
    }
    rotate(house, w);
    Batch b = model.newBatch(rows);
    double[] x = new double[dims];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < dims; j++) {
        x[j] = rng.nextGaussian() * scale[j];
      }
      rotate(house, x);
      double z = 0.3;
      for (int j = 0; j < dims; j++) {
        z += w[j] * x[j];
      }
      b.addDense(x, 0, rng.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1.0 : 0.0, 1.0);
    }
    return b;
  }

  /** v <- H_1 ... H_k v with H = I - 2 h h'. */
  private static void rotate(double[][] house, double[] v) {
    for (double[] h : house) {
      double d = 0;
      for (int j = 0; j < v.length; j++) {
        d += h[j] * v[j];
      }
      for (int j = 0; j < v.length; j++) {
        v[j] -= 2 * d * h[j];
      }
    }
  }
}
