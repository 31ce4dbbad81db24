package io.streamtrain.io.gen;

import io.streamtrain.io.MutableSample;

/**
 * A linearly separable stream without drift, for "the learner can reach near-perfect accuracy" tests: x ~
 * N(0, I_d), a fixed random normal vector w (unit length, from the seed) and bias 0; the label is w.x > 0. Points
 * closer to the hyperplane than {@code margin} are redrawn, so the classes are separated by a gap of 2 * margin.
 */
public final class SeparableLinearGenerator extends AbstractGenerator {
  private final int dims;
  private final double margin;
  private final double[] w;
  private final double[] x;

  public SeparableLinearGenerator(int dims, double margin, long seed, long startTime, long step) {
    super(seed, startTime, step);
    this.dims = dims;
    this.margin = margin;
    this.w = new double[dims];
    this.x = new double[dims];
    double norm = 0;
    for (int j = 0; j < dims; j++) {
      w[j] = rng.nextGaussian();
      norm += w[j] * w[j];
    }
    norm = Math.sqrt(norm);
    for (int j = 0; j < dims; j++) {
      w[j] /= norm;
    }
  }

  @Override
  protected void generate(MutableSample s, long i) {
    double dot;
    do {
      dot = 0;
      for (int j = 0; j < dims; j++) {
        x[j] = rng.nextGaussian();
        dot += w[j] * x[j];
      }
    } while (Math.abs(dot) < margin);
    for (int j = 0; j < dims; j++) {
      s.addDense(x[j]);
    }
    s.setBinaryLabel(dot > 0);
  }

  /** The true separating direction (unit length). */
  public double[] normal() {
    return w.clone();
  }

  @Override
  public int dimensions() {
    return dims;
  }
}
