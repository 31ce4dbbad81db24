package io.streamtrain.io.gen;

import io.streamtrain.io.MutableSample;

/**
 * Two concentric circles in the plane (like scikit-learn's make_circles), a stream no linear model can separate:
 * each sample is on the inner circle (radius {@code factor}, label true) or the outer circle (radius 1, label
 * false) with equal probability, at a uniform angle, plus Gaussian noise of standard deviation {@code noise} on
 * each coordinate. The best linear classifier stays near 50% accuracy; a small MLP reaches nearly 100% for small
 * noise.
 */
public final class ConcentricCirclesGenerator extends AbstractGenerator {
  private final double factor;
  private final double noise;

  public ConcentricCirclesGenerator(double factor, double noise, long seed, long startTime, long step) {
    super(seed, startTime, step);
    this.factor = factor;
    this.noise = noise;
  }

  @Override
  protected void generate(MutableSample s, long i) {
    boolean inner = rng.nextBoolean();
    double r = inner ? factor : 1.0;
    double angle = 2 * Math.PI * rng.nextDouble();
    s.addDense(r * Math.cos(angle) + noise * rng.nextGaussian());
    s.addDense(r * Math.sin(angle) + noise * rng.nextGaussian());
    s.setBinaryLabel(inner);
  }

  @Override
  public int dimensions() {
    return 2;
  }
}
