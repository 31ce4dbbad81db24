package io.streamtrain.core.optim;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Heavy-ball or Nesterov momentum exactly as torch.optim.SGD computes it (and RMSprop's momentum, which is the
 * same recursion with dampening 0): on the first step with a non-zero momentum the buffer is a copy of the
 * gradient, afterwards {@code buf = momentum * buf + (1 - dampening) * g}; the update is {@code buf}, or {@code g
 * + momentum * buf} with Nesterov. The learning rate is applied afterwards, outside the buffer, so a schedule can
 * change it while the buffer is live. The momentum is mutable ({@link HasMomentum}); while it is 0 the transform
 * passes gradients through and leaves the buffer as it is (torch skips the momentum branch), and the buffer is
 * allocated on the first step that needs it.
 */
public record TraceMomentum(double momentum, double dampening, boolean nesterov) implements GradientTransform {
  public TraceMomentum {
    Transforms.checkNonNegative("momentum", momentum);
    Transforms.checkFinite("dampening", dampening);
    if (nesterov && (momentum <= 0 || dampening != 0)) {
      throw new IllegalArgumentException(
          "nesterov: Nesterov momentum requires a momentum > 0 and dampening 0, got momentum "
              + momentum
              + ", dampening "
              + dampening);
    }
  }

  /** Only without momentum: a momentum buffer keeps moving coordinates after their gradient is gone. */
  @Override
  public boolean sparseExact() {
    return momentum == 0;
  }

  @Override
  public State init(int n) {
    return new State(n, this);
  }

  /** The momentum buffer (absent until first used) and the mutable momentum. */
  public static final class State implements TransformState, HasMomentum {
    private final int n;
    private final double oneMinusDampening;
    private final boolean nesterov;
    private double momentum;
    private double[] buf;
    /** What the current step does: 0 pass through, 1 initialize the buffer from g, 2 the recursion. */
    private int mode;

    State(int n, TraceMomentum cfg) {
      this.n = n;
      this.oneMinusDampening = 1 - cfg.dampening;
      this.nesterov = cfg.nesterov;
      this.momentum = cfg.momentum;
    }

    @Override
    public int size() {
      return n;
    }

    @Override
    public String kind() {
      return nesterov ? "trace_momentum_nesterov" : "trace_momentum";
    }

    @Override
    public double momentum() {
      return momentum;
    }

    @Override
    public void setMomentum(double momentum) {
      Transforms.checkNonNegative("momentum", momentum);
      if (nesterov && momentum <= 0) {
        throw new IllegalArgumentException("momentum: Nesterov momentum requires a momentum > 0, got " + momentum);
      }
      this.momentum = momentum;
    }

    /** The live buffer, or null before the first step with a non-zero momentum. */
    public double[] buffer() {
      return buf;
    }

    @Override
    public void prepare() {
      if (momentum == 0) {
        mode = 0;
      } else if (buf == null) {
        buf = new double[n]; // one-time allocation: the first step that uses momentum
        mode = 1;
      } else {
        mode = 2;
      }
    }

    @Override
    public void apply(double[] g, double[] p, int from, int to) {
      final double mu = momentum;
      final double[] b = buf;
      if (mode == 0) {
        return;
      }
      if (mode == 1) {
        System.arraycopy(g, from, b, from, to - from);
        if (nesterov) {
          for (int i = from; i < to; i++) {
            g[i] = g[i] + mu * b[i];
          }
        }
        return;
      }
      final double c = oneMinusDampening;
      if (nesterov) {
        for (int i = from; i < to; i++) {
          double gi = g[i];
          double bi = b[i] * mu + c * gi;
          b[i] = bi;
          g[i] = gi + mu * bi;
        }
      } else {
        for (int i = from; i < to; i++) {
          double bi = b[i] * mu + c * g[i];
          b[i] = bi;
          g[i] = bi;
        }
      }
    }

    @Override
    public void applySparse(double[] g, double[] p, int[] idx, int nnz) {
      if (mode != 0) {
        // A momentum buffer keeps moving coordinates the batch did not touch: no exact sparse form.
        throw new UnsupportedOperationException("momentum " + momentum + " has no exact sparse form");
      }
    }

    @Override
    public void write(DataOutput out) throws IOException {
      out.writeDouble(momentum);
      StateIo.writeArray(out, buf);
    }

    @Override
    public void read(DataInput in) throws IOException {
      double mu = in.readDouble();
      double[] b = StateIo.readArray(in, n, "momentum buffer");
      this.momentum = mu;
      this.buf = b;
    }
  }
}
