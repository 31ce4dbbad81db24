package io.streamtrain.core.optim;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Adam's scaling (Kingma and Ba, ICLR 2015; AMSGrad from Reddi, Kale and Kumar, ICLR 2018) as torch.optim.Adam
 * computes it: {@code m = beta1 * m + (1 - beta1) * g}, {@code v = beta2 * v + (1 - beta2) * g * g}, {@code
 * vmax = max(vmax, v)} with amsgrad, update {@code (m / bc1) / (sqrt(v) / sqrt(bc2) + eps)} with {@code bcK = 1
 * - betaK^step}. Like torch, eps is added after the bias correction of the second moment (optax adds it in the
 * same place by default; Keras and the paper's pseudo code differ slightly). {@code beta1} is mutable ({@link
 * HasMomentum}) because OneCycleLR cycles it; the bias correction uses the current value, as torch does.
 */
public record ScaleByAdam(double beta1, double beta2, double eps, boolean amsgrad) implements GradientTransform {
  public ScaleByAdam {
    Transforms.checkBeta("betas[0]", beta1);
    Transforms.checkBeta("betas[1]", beta2);
    Transforms.checkNonNegative("eps", eps);
  }

  @Override
  public State init(int n) {
    return new State(n, this);
  }

  /** First and second moments (and their running maximum with amsgrad), the step and the mutable beta1. */
  public static final class State implements TransformState, HasMomentum {
    private final int n;
    private final double beta2;
    private final double eps;
    private final boolean amsgrad;
    private double beta1;
    private double[] m;
    private double[] v;
    private double[] vmax;
    private long step;
    private double invBc1;
    private double invBc2Sqrt;

    State(int n, ScaleByAdam cfg) {
      this.n = n;
      this.beta1 = cfg.beta1;
      this.beta2 = cfg.beta2;
      this.eps = cfg.eps;
      this.amsgrad = cfg.amsgrad;
      this.m = new double[n];
      this.v = new double[n];
      this.vmax = amsgrad ? new double[n] : null;
    }

    @Override
    public int size() {
      return n;
    }

    @Override
    public String kind() {
      return amsgrad ? "scale_by_adam_amsgrad" : "scale_by_adam";
    }

    @Override
    public double momentum() {
      return beta1;
    }

    @Override
    public void setMomentum(double beta1) {
      Transforms.checkBeta("betas[0]", beta1);
      this.beta1 = beta1;
    }

    public long step() {
      return step;
    }

    @Override
    public void prepare() {
      step++;
      // torch (single-tensor path): bias_correction1 = 1 - beta1 ** step; bias_correction2_sqrt =
      // sqrt(1 - beta2 ** step); step_size = lr / bias_correction1. Reciprocals turn two divisions per element
      // into multiplications (a difference of at most an ulp or two, far inside the 1e-12 conformance bound).
      invBc1 = 1.0 / (1 - Math.pow(beta1, step));
      invBc2Sqrt = 1.0 / Math.sqrt(1 - Math.pow(beta2, step));
    }

    @Override
    public void apply(double[] g, double[] p, int from, int to) {
      final double b1 = beta1;
      final double c1 = 1 - beta1;
      final double b2 = beta2;
      final double c2 = 1 - beta2;
      final double e = eps;
      final double s1 = invBc1;
      final double s2 = invBc2Sqrt;
      final double[] mm = m;
      final double[] vv = v;
      if (!amsgrad) {
        for (int i = from; i < to; i++) {
          double gi = g[i];
          double mi = mm[i] * b1 + c1 * gi;
          double vi = vv[i] * b2 + c2 * gi * gi;
          mm[i] = mi;
          vv[i] = vi;
          g[i] = (mi * s1) / (Math.sqrt(vi) * s2 + e);
        }
      } else {
        final double[] vm = vmax;
        for (int i = from; i < to; i++) {
          double gi = g[i];
          double mi = mm[i] * b1 + c1 * gi;
          double vi = vv[i] * b2 + c2 * gi * gi;
          double wi = Math.max(vm[i], vi);
          mm[i] = mi;
          vv[i] = vi;
          vm[i] = wi;
          g[i] = (mi * s1) / (Math.sqrt(wi) * s2 + e);
        }
      }
    }

    @Override
    public void write(DataOutput out) throws IOException {
      out.writeLong(step);
      out.writeDouble(beta1);
      StateIo.writeArray(out, m);
      StateIo.writeArray(out, v);
      StateIo.writeArray(out, vmax);
    }

    @Override
    public void read(DataInput in) throws IOException {
      long st = in.readLong();
      double b1 = in.readDouble();
      double[] mm = StateIo.readRequired(in, n, "adam exp_avg");
      double[] vv = StateIo.readRequired(in, n, "adam exp_avg_sq");
      double[] vm = StateIo.readArray(in, n, "adam max_exp_avg_sq");
      if ((vm != null) != amsgrad) {
        throw new IncompatibleStateException(
            "optimizer state: adam max_exp_avg_sq " + (amsgrad ? "absent" : "present") + " but amsgrad=" + amsgrad);
      }
      this.step = st;
      this.beta1 = b1;
      this.m = mm;
      this.v = vv;
      this.vmax = vm;
    }
  }
}
