package io.streamtrain.core.optim;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * torch.optim.SparseAdam's scaling (torch 1.13, {@code torch/optim/_functional.py: sparse_adam}): the moments of
 * a coordinate advance only on the steps whose sparse gradient contains it ("lazy" Adam), while the bias
 * corrections use the global step count. For the coordinates {@code i} of a step's gradient, in torch's order of
 * operations (kept so the trajectories agree to the last bits):
 * <pre>
 *   m_upd = (g - m) * (1 - beta1);   v_upd = (g*g - v) * (1 - beta2)
 *   m += m_upd;  v += v_upd
 *   update = -(lr * sqrt(1 - beta2^t) / (1 - beta1^t)) * (m_upd + m_old) / (sqrt(v_upd + v_old) + eps)
 * </pre>
 * The preset ({@link Optimizers#sparseAdam}) is this transform followed by nothing else: the step size folds the
 * learning rate in, as torch does, so the learning rate lives here ({@link HasLearningRate}). On a dense step
 * every coordinate counts as present, which is torch's SparseAdam on a gradient that lists every index.
 */
public record ScaleBySparseAdam(double lr, double beta1, double beta2, double eps) implements GradientTransform {
  public ScaleBySparseAdam {
    Transforms.checkNonNegative("lr", lr);
    Transforms.checkBeta("betas[0]", beta1);
    Transforms.checkBeta("betas[1]", beta2);
    Transforms.checkNonNegative("eps", eps);
  }

  /** Defined on sparse gradients: untouched coordinates keep their moments and parameters. */
  @Override
  public boolean sparseExact() {
    return true;
  }

  @Override
  public State init(int n) {
    return new State(n, this);
  }

  /** First and second moments, the step count and the learning rate. */
  public static final class State implements TransformState, HasLearningRate {
    private final int n;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private double lr;
    private double[] m;
    private double[] v;
    private long step;
    private double stepSize;

    State(int n, ScaleBySparseAdam cfg) {
      this.n = n;
      this.beta1 = cfg.beta1;
      this.beta2 = cfg.beta2;
      this.eps = cfg.eps;
      this.lr = cfg.lr;
      this.m = new double[n];
      this.v = new double[n];
    }

    @Override
    public int size() {
      return n;
    }

    @Override
    public String kind() {
      return "scale_by_sparse_adam";
    }

    @Override
    public double lr() {
      return lr;
    }

    @Override
    public void setLr(double lr) {
      Transforms.checkNonNegative("lr", lr);
      this.lr = lr;
    }

    public long step() {
      return step;
    }

    public double[] m() {
      return m;
    }

    public double[] v() {
      return v;
    }

    @Override
    public void prepare() {
      step++;
      double bc1 = 1 - Math.pow(beta1, step);
      double bc2 = 1 - Math.pow(beta2, step);
      stepSize = lr * Math.sqrt(bc2) / bc1;
    }

    @Override
    public void apply(double[] g, double[] p, int from, int to) {
      for (int i = from; i < to; i++) {
        g[i] = update(i, g[i]);
      }
    }

    @Override
    public void applySparse(double[] g, double[] p, int[] idx, int nnz) {
      for (int k = 0; k < nnz; k++) {
        g[k] = update(idx[k], g[k]);
      }
    }

    private double update(int i, double gi) {
      double mOld = m[i];
      double vOld = v[i];
      double mUpd = (gi - mOld) * (1 - beta1);
      double vUpd = (gi * gi - vOld) * (1 - beta2);
      m[i] = mOld + mUpd;
      v[i] = vOld + vUpd;
      double numer = mUpd + mOld;
      double denom = Math.sqrt(vUpd + vOld) + eps;
      return -stepSize * (numer / denom);
    }

    @Override
    public void write(DataOutput out) throws IOException {
      out.writeLong(step);
      out.writeDouble(lr);
      StateIo.writeArray(out, m);
      StateIo.writeArray(out, v);
    }

    @Override
    public void read(DataInput in) throws IOException {
      long st = in.readLong();
      double l = in.readDouble();
      double[] mm = StateIo.readRequired(in, n, "sparse_adam exp_avg");
      double[] vv = StateIo.readRequired(in, n, "sparse_adam exp_avg_sq");
      this.step = st;
      this.lr = l;
      this.m = mm;
      this.v = vv;
    }
  }
}
