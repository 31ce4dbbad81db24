package io.streamtrain.core.model.layer;

import io.streamtrain.core.data.Batch;
import java.util.Arrays;

/**
 * torch BatchNorm1d over a layer's units (Ioffe and Szegedy 2015): in training mode
 * {@code y = gamma (z - mu) / sqrt(var + eps) + beta} with the batch mean and biased batch variance; in evaluation
 * mode the running mean and variance from the buffers. {@link #updateRunning} advances those with momentum 0.1
 * and the unbiased variance (n/(n-1) times the biased one); with a single row the running variance is left
 * unchanged (torch refuses such batches in training mode). eps 1e-5.
 *
 * <p>Parameters gamma [w], beta [w]; buffers running_mean [w], running_var [w]. The backward and R passes
 * differentiate through the batch statistics too, so Hessian-vector products are exact.
 */
public final class BatchNorm extends InPlaceLayer {
  public static final double EPS = 1e-5;
  public static final double MOMENTUM = 0.1;

  private final int gOff;
  private final int beOff;
  private final int rmOff;
  private final int rvOff;
  private final double[] mu;
  private final double[] sInv;
  private double[] xhat = new double[0];
  private double[] rxhat;
  private double[] rs;

  public BatchNorm(int width, int gammaOff, int betaOff, int runningMeanOff, int runningVarOff) {
    super(width);
    this.gOff = gammaOff;
    this.beOff = betaOff;
    this.rmOff = runningMeanOff;
    this.rvOff = runningVarOff;
    this.mu = new double[width];
    this.sInv = new double[width];
  }

  @Override
  protected void grow(int cells) {
    xhat = new double[cells];
  }

  @Override
  protected void growR(int cells) {
    rxhat = new double[cells];
    rs = new double[w];
  }

  /** Scale 1, shift 0 (torch); draws nothing from the initializer's stream. */
  public void init(double[] p) {
    Arrays.fill(p, gOff, gOff + w, 1.0);
    Arrays.fill(p, beOff, beOff + w, 0.0);
  }

  /** Running mean 0, running variance 1. */
  public void initBuffers(double[] buffers) {
    Arrays.fill(buffers, rmOff, rmOff + w, 0.0);
    Arrays.fill(buffers, rvOff, rvOff + w, 1.0);
  }

  @Override
  public void forward(double[] p, double[] buffers, Batch b, double[] z, int n, boolean training) {
    if (training) {
      forwardTrain(p, z, n);
      return;
    }
    for (int o = 0; o < w; o++) {
      double m = buffers[rmOff + o];
      double s = 1.0 / Math.sqrt(buffers[rvOff + o] + EPS);
      double gm = p[gOff + o];
      double bt = p[beOff + o];
      for (int i = 0; i < n; i++) {
        out[i * w + o] = gm * (z[i * w + o] - m) * s + bt;
      }
    }
  }

  /** Batch statistics: mu, 1/sqrt(var + eps) per unit; xhat and y = gamma xhat + beta per row. */
  private void forwardTrain(double[] p, double[] z, int n) {
    for (int o = 0; o < w; o++) {
      double sum = 0.0;
      for (int i = 0; i < n; i++) {
        sum += z[i * w + o];
      }
      double mean = sum / n;
      double ss = 0.0;
      for (int i = 0; i < n; i++) {
        double d = z[i * w + o] - mean;
        ss += d * d;
      }
      double var = ss / n;
      double si = 1.0 / Math.sqrt(var + EPS);
      mu[o] = mean;
      sInv[o] = si;
      double gm = p[gOff + o];
      double bt = p[beOff + o];
      for (int i = 0; i < n; i++) {
        double xh = (z[i * w + o] - mean) * si;
        xhat[i * w + o] = xh;
        out[i * w + o] = gm * xh + bt;
      }
    }
  }

  /** dy -> dz in place, with dgamma, dbeta into grad (when not null). */
  @Override
  public void backward(double[] p, Batch b, double[] z, double[] d, double[] dIn, double[] grad, int n) {
    for (int o = 0; o < w; o++) {
      double gm = p[gOff + o];
      double sumDy = 0.0;
      double sumDyX = 0.0;
      for (int i = 0; i < n; i++) {
        double dy = d[i * w + o];
        sumDy += dy;
        sumDyX += dy * xhat[i * w + o];
      }
      if (grad != null) {
        grad[gOff + o] += sumDyX;
        grad[beOff + o] += sumDy;
      }
      // dxhat = gamma dy; dz = s (dxhat - mean(dxhat) - xhat mean(dxhat xhat)).
      double ma = gm * sumDy / n;
      double mb = gm * sumDyX / n;
      double si = sInv[o];
      for (int i = 0; i < n; i++) {
        int t = i * w + o;
        d[t] = si * (gm * d[t] - ma - xhat[t] * mb);
      }
    }
  }

  /**
   * Rmu = mean(Rz), Rvar = (2/n) sum (z - mu) Rz, Rs = -s^3 Rvar / 2, Rxhat = (Rz - Rmu) s + (z - mu) Rs,
   * Ry = Vgamma xhat + gamma Rxhat + Vbeta.
   */
  @Override
  public void rForward(double[] p, double[] v, Batch b, double[] z, double[] rz, int n) {
    for (int o = 0; o < w; o++) {
      double si = sInv[o];
      double sumR = 0.0;
      double sumXR = 0.0;
      for (int i = 0; i < n; i++) {
        double r = rz[i * w + o];
        sumR += r;
        sumXR += xhat[i * w + o] * r;
      }
      double rm = sumR / n;
      // (z - mu) = xhat / s, so Rvar = (2/n) sum xhat Rz / s and Rs = -s^3 Rvar / 2 = -s^2 sum(xhat Rz) / n.
      double rsi = -si * si * sumXR / n;
      rs[o] = rsi;
      double gm = p[gOff + o];
      double vg = v[gOff + o];
      double vb = v[beOff + o];
      for (int i = 0; i < n; i++) {
        int t = i * w + o;
        double rx = (rz[t] - rm) * si + xhat[t] / si * rsi;
        rxhat[t] = rx;
        rOut[t] = vg * xhat[t] + gm * rx + vb;
      }
    }
  }

  /** Backward for d and its R-image rd together (in place), adding R{dgamma}, R{dbeta} into hv. */
  @Override
  public void rBackward(double[] p, double[] v, Batch b, double[] z, double[] rz, double[] d, double[] rd,
      double[] dIn, double[] rdIn, double[] hv, int n) {
    for (int o = 0; o < w; o++) {
      double gm = p[gOff + o];
      double vg = v[gOff + o];
      double si = sInv[o];
      double rsi = rs[o];
      double sumDy = 0.0;
      double sumDyX = 0.0;
      double sumRdy = 0.0;
      double sumRdyX = 0.0;
      double sumDyRx = 0.0;
      for (int i = 0; i < n; i++) {
        int t = i * w + o;
        sumDy += d[t];
        sumDyX += d[t] * xhat[t];
        sumRdy += rd[t];
        sumRdyX += rd[t] * xhat[t];
        sumDyRx += d[t] * rxhat[t];
      }
      hv[gOff + o] += sumRdyX + sumDyRx;
      hv[beOff + o] += sumRdy;
      // dxhat = gamma dy, R{dxhat} = gamma Rdy + Vgamma dy; A = mean(dxhat), B = mean(dxhat xhat).
      double ma = gm * sumDy / n;
      double mb = gm * sumDyX / n;
      double rma = (gm * sumRdy + vg * sumDy) / n;
      double rmb = (gm * sumRdyX + vg * sumDyX + gm * sumDyRx) / n;
      for (int i = 0; i < n; i++) {
        int t = i * w + o;
        double dx = gm * d[t];
        double rdx = gm * rd[t] + vg * d[t];
        double inner = dx - ma - xhat[t] * mb;
        rd[t] = rsi * inner + si * (rdx - rma - rxhat[t] * mb - xhat[t] * rmb);
        d[t] = si * inner;
      }
    }
  }

  /**
   * Advances the running statistics with those of the last training-mode forward over {@code z} (this layer's
   * input, n rows).
   */
  public void updateRunning(double[] z, double[] buffers, int n) {
    for (int o = 0; o < w; o++) {
      int mo = rmOff + o;
      buffers[mo] = (1.0 - MOMENTUM) * buffers[mo] + MOMENTUM * mu[o];
      if (n > 1) {
        // torch keeps the unbiased variance, n/(n-1) times the biased one used to normalize.
        double ss = 0.0;
        double mean = mu[o];
        for (int i = 0; i < n; i++) {
          double dd = z[i * w + o] - mean;
          ss += dd * dd;
        }
        double biased = ss / n;
        int vo = rvOff + o;
        buffers[vo] = (1.0 - MOMENTUM) * buffers[vo] + MOMENTUM * biased * n / (n - 1);
      }
    }
  }
}
