package io.streamtrain.core.model.layer;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.model.Activation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every layer on its own against central finite differences (one Richardson step, error O(h^4)), in training mode
 * at random points of its parameters p and input x:
 * <ul>
 *   <li>backward: with d fixed, (dL/dp, dL/dx) against the differences of the scalar {@code <d, forward(p, x)>};
 *   <li>R-forward: {@code R{out}} against the differences of forward along (v, R{x});
 *   <li>R-backward: (R{dL/dp}, R{dL/dx}) against the differences of backward along (v, R{x}, R{d}): the
 *       directional derivative of the gradient, i.e. the layer's share of a Hessian-vector product.
 * </ul>
 * The first dense layer reads a batch with dense, sparse and hashed columns (its input is data: no input
 * gradient). ReLU inputs are kept away from its kink.
 */
class LayerGradientCheckTest {
  static final double H = 1e-4;
  static final double TOL = 1e-7;
  static final int N = 6;

  /** A layer under test: its input width (0 when it reads the batch), its parameter count and the batch. */
  record Case(String name, Layer layer, int inWidth, int nParams, Batch batch, boolean awayFromZero) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> cases() {
    List<Case> out = new ArrayList<>();
    FeatureSpace mixed = FeatureSpace.of(3, 4, 3);
    Batch mixedBatch = mixedBatch(mixed, new Random(5));
    Batch plain = new Batch(FeatureSpace.dense(1), N);
    for (int i = 0; i < N; i++) {
      plain.addDense(new double[] {0.0}, 0, 0.0, 1.0);
    }
    int in = mixed.inputDim();
    out.add(new Case("first dense", new Dense(5, in, 0, 5 * in, true, 3), 0, 5 * in + 5, mixedBatch, false));
    out.add(new Case("hidden dense", new Dense(5, 7, 0, 35, false, 0), 7, 40, plain, false));
    out.add(new Case("hidden dense 4 rows", new Dense(4, 9, 0, 36, false, 0), 9, 40, plain, false));
    out.add(new Case("batch norm", new BatchNorm(4, 0, 4, 0, 4), 4, 8, plain, false));
    for (Activation a : Activation.values()) {
      out.add(new Case("activation " + a.specName, new ActivationLayer(a, 5), 5, 0, plain, a == Activation.RELU));
    }
    out.add(new Case("dropout", dropout(), 6, 0, plain, false));
    return out.stream().map(Arguments::of);
  }

  private static Dropout dropout() {
    Dropout d = new Dropout(6, 2, 0.4, 9);
    d.setStep(3);
    return d;
  }

  private static Batch mixedBatch(FeatureSpace fs, Random rnd) {
    Batch b = new Batch(fs, N);
    for (int i = 0; i < N; i++) {
      Example e = new Example();
      for (int j = 0; j < fs.denseDim(); j++) {
        e.addDense(rnd.nextGaussian());
      }
      e.addSparse(rnd.nextInt(fs.sparseDim()), rnd.nextGaussian());
      e.addCategorical("color", List.of("red", "green", "blue").get(rnd.nextInt(3)));
      e.addNumeric("price", rnd.nextGaussian());
      e.setLabel(0.0);
      e.setWeight(1.0);
      b.add(e);
    }
    return b;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void backwardMatchesDifferencesOfTheForwardPass(Case c) {
    Random rnd = new Random(c.name().hashCode());
    Point x = Point.random(c, rnd);
    double[] d = gaussian(rnd, N * c.layer().width());
    double[] analytic = backward(c, x.p, x.in, d);
    double[] fd = new double[analytic.length];
    int k = 0;
    for (double[] arr : new double[][] {x.p, x.in}) {
      for (int j = 0; j < arr.length; j++) {
        final int jj = j;
        fd[k++] = richardson(t -> {
          double old = arr[jj];
          arr[jj] = old + t;
          double f = dot(d, forward(c, x.p, x.in));
          arr[jj] = old;
          return new double[] {f};
        })[0];
      }
    }
    assertThat(relErr(analytic, fd)).as("%s backward", c).isLessThan(TOL);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rForwardIsTheDirectionalDerivativeOfTheForwardPass(Case c) {
    Random rnd = new Random(c.name().hashCode() + 1);
    Point x = Point.random(c, rnd);
    Point dir = Point.direction(c, rnd);
    c.layer().ensureRCapacity(N);
    forward(c, x.p, x.in);
    c.layer().rForward(x.p, dir.p, c.batch(), c.inWidth() == 0 ? null : x.in, dir.in, N);
    double[] analytic = Arrays.copyOf(c.layer().rOut(), N * c.layer().width());
    double[] fd = richardson(t -> forward(c, x.plus(t, dir).p, x.plus(t, dir).in));
    assertThat(relErr(analytic, fd)).as("%s R-forward", c).isLessThan(TOL);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rBackwardIsTheDirectionalDerivativeOfTheBackwardPass(Case c) {
    Random rnd = new Random(c.name().hashCode() + 2);
    Point x = Point.random(c, rnd);
    Point dir = Point.direction(c, rnd);
    int w = c.layer().width();
    double[] d = gaussian(rnd, N * w);
    double[] rd = gaussian(rnd, N * w);
    Layer l = c.layer();
    l.ensureCapacity(N);
    l.ensureRCapacity(N);
    double[] in = c.inWidth() == 0 ? null : x.in;
    l.forward(x.p, null, c.batch(), in, N, true);
    l.rForward(x.p, dir.p, c.batch(), in, dir.in, N);
    double[] dw = d.clone();
    double[] rdw = rd.clone();
    double[] hv = new double[c.nParams()];
    double[] dIn = new double[N * Math.max(1, c.inWidth())];
    double[] rdIn = new double[dIn.length];
    if (l.inPlace()) {
      l.rBackward(x.p, dir.p, c.batch(), in, dir.in, dw, rdw, dw, rdw, hv, N);
    } else {
      l.rBackward(x.p, dir.p, c.batch(), in, dir.in, dw, rdw, in == null ? null : dIn, in == null ? null : rdIn, hv,
          N);
    }
    double[] rInGrad = l.inPlace() ? rdw : rdIn;
    double[] analytic = concat(hv, Arrays.copyOf(rInGrad, N * c.inWidth()));
    double[] fd = richardson(t -> {
      Point q = x.plus(t, dir);
      double[] dq = d.clone();
      for (int i = 0; i < dq.length; i++) {
        dq[i] += t * rd[i];
      }
      return backward(c, q.p, q.in, dq);
    });
    assertThat(relErr(analytic, fd)).as("%s R-backward", c).isLessThan(TOL);
  }

  @Test
  void penaltyGradientAndHessianMatchDifferences() {
    Random rnd = new Random(3);
    Dense a = new Dense(3, 4, 0, 12, false, 0);
    Dense b = new Dense(2, 3, 15, 21, false, 0);
    double l1 = 0.07;
    double l2 = 0.3;
    double[] p = gaussian(rnd, 23);
    double[] grad = new double[23];
    double value = penalty(a, b, p, grad, l1, l2);
    double[] fd = new double[23];
    for (int j = 0; j < 23; j++) {
      final int jj = j;
      fd[j] = richardson(t -> {
        double old = p[jj];
        p[jj] = old + t;
        double f = penalty(a, b, p, null, l1, l2);
        p[jj] = old;
        return new double[] {f};
      })[0];
    }
    assertThat(relErr(grad, fd)).as("penalty gradient").isLessThan(TOL);
    // Biases (offsets 12..14 and 21..22) are not penalized.
    assertThat(new double[] {grad[12], grad[13], grad[14], grad[21], grad[22]}).containsOnly(0.0);
    double sumAbs = 0;
    double sumSq = 0;
    for (int j : new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15, 16, 17, 18, 19, 20}) {
      sumAbs += Math.abs(p[j]);
      sumSq += p[j] * p[j];
    }
    assertThat(value).isCloseTo(l1 * sumAbs + 0.5 * l2 * sumSq, org.assertj.core.data.Offset.offset(1e-12));
    double[] v = gaussian(rnd, 23);
    double[] hv = new double[23];
    a.addPenaltyR(v, hv, l2);
    b.addPenaltyR(v, hv, l2);
    double[] fdh = richardson(t -> {
      double[] q = p.clone();
      for (int j = 0; j < q.length; j++) {
        q[j] += t * v[j];
      }
      double[] g = new double[23];
      penalty(a, b, q, g, l1, l2);
      return g;
    });
    assertThat(relErr(hv, fdh)).as("penalty Hessian-vector product").isLessThan(TOL);
  }

  private static double penalty(Dense a, Dense b, double[] p, double[] grad, double l1, double l2) {
    double[] sums = new double[2];
    a.addPenalty(p, grad, l1, l2, sums);
    b.addPenalty(p, grad, l1, l2, sums);
    return l1 * sums[0] + 0.5 * l2 * sums[1];
  }

  /** Parameters and input of a layer (input empty for the first dense layer). */
  record Point(double[] p, double[] in) {
    static Point random(Case c, Random rnd) {
      double[] p = gaussian(rnd, c.nParams());
      if (c.layer() instanceof BatchNorm) {
        for (int j = 0; j < p.length / 2; j++) {
          p[j] = 1.0 + 0.3 * p[j];
        }
      }
      double[] in = gaussian(rnd, N * c.inWidth());
      if (c.awayFromZero()) {
        for (int i = 0; i < in.length; i++) {
          in[i] += Math.copySign(0.1, in[i]);
        }
      }
      return new Point(p, in);
    }

    static Point direction(Case c, Random rnd) {
      return new Point(gaussian(rnd, c.nParams()), gaussian(rnd, N * c.inWidth()));
    }

    Point plus(double t, Point dir) {
      double[] q = p.clone();
      for (int j = 0; j < q.length; j++) {
        q[j] += t * dir.p[j];
      }
      double[] x = in.clone();
      for (int j = 0; j < x.length; j++) {
        x[j] += t * dir.in[j];
      }
      return new Point(q, x);
    }
  }

  private static double[] forward(Case c, double[] p, double[] in) {
    Layer l = c.layer();
    l.ensureCapacity(N);
    l.forward(p, null, c.batch(), c.inWidth() == 0 ? null : in, N, true);
    return Arrays.copyOf(l.out(), N * l.width());
  }

  /** (dL/dp, dL/dx) for dL/dout = d, after a training-mode forward at (p, x). */
  private static double[] backward(Case c, double[] p, double[] in, double[] d) {
    forward(c, p, in);
    Layer l = c.layer();
    double[] grad = new double[c.nParams()];
    double[] dw = d.clone();
    double[] dIn = new double[N * Math.max(1, c.inWidth())];
    boolean first = c.inWidth() == 0;
    l.backward(p, c.batch(), first ? null : in, dw, l.inPlace() ? dw : (first ? null : dIn), grad, N);
    double[] inGrad = l.inPlace() ? dw : dIn;
    return concat(grad, Arrays.copyOf(inGrad, N * c.inWidth()));
  }

  /** (4 D(h/2) - D(h)) / 3 with D(h) = (f(h) - f(-h)) / 2h, elementwise. */
  private static double[] richardson(java.util.function.DoubleFunction<double[]> f) {
    double[] p1 = f.apply(H);
    double[] m1 = f.apply(-H);
    double[] p2 = f.apply(H / 2);
    double[] m2 = f.apply(-H / 2);
    double[] out = new double[p1.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (4 * (p2[i] - m2[i]) / H - (p1[i] - m1[i]) / (2 * H)) / 3;
    }
    return out;
  }

  private static double[] gaussian(Random rnd, int n) {
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = rnd.nextGaussian();
    }
    return out;
  }

  private static double[] concat(double[] a, double[] b) {
    double[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  /** ||a - b|| / max(||a||, ||b||); fails loudly when both are zero (a check of nothing). */
  private static double relErr(double[] a, double[] b) {
    double num = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      num += (a[i] - b[i]) * (a[i] - b[i]);
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    assertThat(Math.max(na, nb)).as("something to compare").isGreaterThan(0.0);
    assertThat(a.length).isEqualTo(b.length);
    return Math.sqrt(num) / Math.sqrt(Math.max(na, nb));
  }
}
