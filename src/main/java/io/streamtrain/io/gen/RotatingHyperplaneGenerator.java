package io.streamtrain.io.gen;

import io.streamtrain.io.MutableSample;

/**
 * Rotating hyperplane with gradual concept drift (Hulten, Spencer and Domingos, "Mining time-changing data
 * streams", KDD 2001; as in MOA's HyperplaneGenerator). Features x_i ~ U[0,1]; the label is positive when
 * sum_i w_i x_i >= w0 with w0 = (1/2) sum_i w_i. After every sample the first {@code driftAttributes} weights move
 * by {@code speed} * s_i, where each direction s_i in {-1,+1} reverses with probability {@code reversal}; the
 * threshold w0 follows so that about half the samples stay positive. With probability {@code noise} a label is
 * flipped. With {@code jumpEvery} > 0 the hyperplane also rotates abruptly before every sample whose index is a
 * positive multiple of it: the first {@code driftAttributes} weights change sign (drift points known exactly, for
 * scoring drift detectors; with speed 0 the concept is constant between them).
 */
public final class RotatingHyperplaneGenerator extends AbstractGenerator {
  private final int dims;
  private final int driftAttributes;
  private final double speed;
  private final double noise;
  private final double reversal;
  private final double[] weights;
  private final int[] direction;
  private final long jumpEvery;

  public RotatingHyperplaneGenerator(
      int dims, int driftAttributes, double speed, double noise, double reversal, long seed, long startTime, long step) {
    this(dims, driftAttributes, speed, noise, reversal, 0, seed, startTime, step);
  }

  public RotatingHyperplaneGenerator(int dims, int driftAttributes, double speed, double noise, double reversal,
      long jumpEvery, long seed, long startTime, long step) {
    super(seed, startTime, step);
    this.jumpEvery = jumpEvery;
    this.dims = dims;
    this.driftAttributes = Math.min(driftAttributes, dims);
    this.speed = speed;
    this.noise = noise;
    this.reversal = reversal;
    this.weights = new double[dims];
    this.direction = new int[dims];
    for (int i = 0; i < dims; i++) {
      weights[i] = rng.nextDouble();
      direction[i] = rng.nextBoolean() ? 1 : -1;
    }
  }

  @Override
  protected void generate(MutableSample s, long i) {
    if (jumpEvery > 0 && i > 0 && i % jumpEvery == 0) {
      for (int j = 0; j < driftAttributes; j++) {
        weights[j] = -weights[j];
      }
    }
    double dot = 0;
    double sum = 0;
    for (int j = 0; j < dims; j++) {
      double x = rng.nextDouble();
      s.addDense(x);
      dot += weights[j] * x;
      sum += weights[j];
    }
    boolean positive = dot >= 0.5 * sum;
    if (noise > 0 && rng.nextDouble() < noise) {
      positive = !positive;
    }
    s.setBinaryLabel(positive);
    for (int j = 0; j < driftAttributes; j++) {
      weights[j] += direction[j] * speed;
      if (reversal > 0 && rng.nextDouble() < reversal) {
        direction[j] = -direction[j];
      }
    }
  }

  /** A copy of the current hyperplane weights (the concept at this point of the stream). */
  public double[] weights() {
    return weights.clone();
  }

  @Override
  public int dimensions() {
    return dims;
  }
}
