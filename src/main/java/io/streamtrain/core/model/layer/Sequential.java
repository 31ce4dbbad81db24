package io.streamtrain.core.model.layer;

import io.streamtrain.core.data.Batch;
import java.util.List;

/**
 * Layers applied one after another, the first reading the batch, plus the scratch the passes between them need:
 * two alternating n x maxWidth gradient buffers (and two for the R-images), where maxWidth is the widest layer
 * output, never the input width. A single-layer model (linear, logistic, softmax) has one gradient buffer of
 * n x outputs and no second one. Backward and R passes run in reverse layer order; in-place layers transform the
 * current gradient buffer, a {@link Dense} layer writes its input gradient into the other one.
 *
 * <p>Penalties live with the weights they penalize ({@link Dense#addPenalty}); this class sums them over the
 * layers in order. Not thread-safe; steady-state calls allocate nothing.
 */
public final class Sequential {
  private final Layer[] layers;
  private final int maxWidth;
  private final double[] penaltySums = new double[2];
  private int cap;
  private double[] g0 = new double[0];
  private double[] g1;
  private int rcap;
  private double[] rg0;
  private double[] rg1;

  public Sequential(List<Layer> layers) {
    this.layers = layers.toArray(new Layer[0]);
    if (this.layers.length == 0 || !(this.layers[0] instanceof Dense)) {
      throw new IllegalArgumentException("a sequential model starts with a dense layer");
    }
    int mw = 0;
    for (Layer l : this.layers) {
      mw = Math.max(mw, l.width());
    }
    this.maxWidth = mw;
  }

  public List<Layer> layers() {
    return List.of(layers);
  }

  /** Width of the last layer's output. */
  public int outputWidth() {
    return layers[layers.length - 1].width();
  }

  public void ensureCapacity(int n) {
    for (Layer l : layers) {
      l.ensureCapacity(n);
    }
    if (n > cap) {
      cap = n;
      g0 = new double[Math.multiplyExact(n, maxWidth)];
      g1 = layers.length > 1 ? new double[Math.multiplyExact(n, maxWidth)] : null;
    }
  }

  public void ensureRCapacity(int n) {
    ensureCapacity(n);
    for (Layer l : layers) {
      l.ensureRCapacity(n);
    }
    if (rg0 == null || n > rcap) {
      rcap = cap;
      rg0 = new double[Math.multiplyExact(rcap, maxWidth)];
      rg1 = layers.length > 1 ? new double[Math.multiplyExact(rcap, maxWidth)] : null;
    }
  }

  /** Runs every layer forward; returns the last layer's output (the logits). Call {@link #ensureCapacity} first. */
  public double[] forward(double[] p, double[] buffers, Batch b, int n, boolean training) {
    for (int i = 0; i < layers.length; i++) {
      layers[i].forward(p, buffers, b, input(i), n, training);
    }
    return layers[layers.length - 1].out();
  }

  /** R-forward of every layer along v after a training-mode forward; returns R{logits}. */
  public double[] rForward(double[] p, double[] v, Batch b, int n) {
    for (int i = 0; i < layers.length; i++) {
      layers[i].rForward(p, v, b, input(i), rInput(i), n);
    }
    return layers[layers.length - 1].rOut();
  }

  /** Where the caller writes dL/dlogits before {@link #backward} or {@link #perSampleSquaredNorms}. */
  public double[] outputGrad() {
    return g0;
  }

  /** Where the caller writes R{dL/dlogits} before {@link #rBackward}. */
  public double[] outputRGrad() {
    return rg0;
  }

  /** Backpropagates {@link #outputGrad()}, adding every parameter gradient into {@code grad}. */
  public void backward(double[] p, Batch b, double[] grad, int n) {
    backward(p, b, grad, null, n);
  }

  /**
   * For each row, the squared norm of its own parameter gradient from {@link #outputGrad()} (rows of dL/dlogits
   * scaled per row), added into {@code out}: exact only when no layer couples the rows (no batch norm).
   */
  public void perSampleSquaredNorms(double[] p, Batch b, double[] out, int n) {
    backward(p, b, null, out, n);
  }

  private void backward(double[] p, Batch b, double[] grad, double[] perSample, int n) {
    double[] d = g0;
    double[] spare = g1;
    for (int i = layers.length - 1; i >= 0; i--) {
      Layer l = layers[i];
      double[] in = input(i);
      if (l.inPlace()) {
        l.backward(p, b, in, d, d, grad, n);
        continue;
      }
      if (perSample != null) {
        ((Dense) l).addPerSampleSquaredNorms(b, in, d, perSample, n);
      }
      if (i == 0) {
        l.backward(p, b, in, d, null, grad, n);
      } else {
        l.backward(p, b, in, d, spare, grad, n);
        double[] t = d;
        d = spare;
        spare = t;
      }
    }
  }

  /**
   * The R-image of the backward pass from {@link #outputGrad()} and {@link #outputRGrad()}, after
   * {@link #forward} (training mode) and {@link #rForward}; adds R{dL/dp} into {@code hv}.
   */
  public void rBackward(double[] p, double[] v, Batch b, double[] hv, int n) {
    double[] d = g0;
    double[] rd = rg0;
    double[] spare = g1;
    double[] rSpare = rg1;
    for (int i = layers.length - 1; i >= 0; i--) {
      Layer l = layers[i];
      if (l.inPlace()) {
        l.rBackward(p, v, b, input(i), rInput(i), d, rd, d, rd, hv, n);
      } else if (i == 0) {
        l.rBackward(p, v, b, null, null, d, rd, null, null, hv, n);
      } else {
        l.rBackward(p, v, b, input(i), rInput(i), d, rd, spare, rSpare, hv, n);
        double[] t = d;
        d = spare;
        spare = t;
        t = rd;
        rd = rSpare;
        rSpare = t;
      }
    }
  }

  /** l1 sum|w| + l2/2 sum w^2 over every dense layer's weights; adds its gradient into grad when not null. */
  public double penalty(double[] p, double[] grad, double l1, double l2) {
    penaltySums[0] = 0.0;
    penaltySums[1] = 0.0;
    for (Layer l : layers) {
      if (l instanceof Dense d) {
        d.addPenalty(p, grad, l1, l2, penaltySums);
      }
    }
    return l1 * penaltySums[0] + 0.5 * l2 * penaltySums[1];
  }

  /** Adds the penalty's Hessian times v (l2 v on the weights) into hv. */
  public void penaltyR(double[] v, double[] hv, double l2) {
    for (Layer l : layers) {
      if (l instanceof Dense d) {
        d.addPenaltyR(v, hv, l2);
      }
    }
  }

  /** Advances every batch norm's running statistics from the last training-mode forward. */
  public void updateRunningStatistics(double[] buffers, int n) {
    for (int i = 0; i < layers.length; i++) {
      if (layers[i] instanceof BatchNorm bn) {
        bn.updateRunning(input(i), buffers, n);
      }
    }
  }

  private double[] input(int i) {
    return i == 0 ? null : layers[i - 1].out();
  }

  private double[] rInput(int i) {
    return i == 0 ? null : layers[i - 1].rOut();
  }
}
