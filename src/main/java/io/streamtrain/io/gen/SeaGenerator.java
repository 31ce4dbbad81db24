package io.streamtrain.io.gen;

import io.streamtrain.io.MutableSample;

/**
 * SEA concepts with abrupt drift (Street and Kim, "A streaming ensemble algorithm (SEA) for large-scale
 * classification", KDD 2001; MOA's SEAGenerator). Three features x_i ~ U[0,10], only the first two relevant; the
 * label is positive when x_1 + x_2 <= theta, with theta cycling through the four concepts 8, 9, 7, 9.5. The
 * concept switches abruptly every {@code period} samples: sample i uses concept (i / period) mod 4. With
 * probability {@code noise} a label is flipped.
 */
public final class SeaGenerator extends AbstractGenerator {
  /** Thresholds of the four SEA concepts, in order. */
  public static final double[] THRESHOLDS = {8.0, 9.0, 7.0, 9.5};

  private final long period;
  private final double noise;

  public SeaGenerator(long period, double noise, long seed, long startTime, long step) {
    super(seed, startTime, step);
    this.period = period;
    this.noise = noise;
  }

  /** The concept (0..3) in force for sample number {@code i}. */
  public int conceptAt(long i) {
    return (int) ((i / period) % THRESHOLDS.length);
  }

  @Override
  protected void generate(MutableSample s, long i) {
    double x1 = 10 * rng.nextDouble();
    double x2 = 10 * rng.nextDouble();
    double x3 = 10 * rng.nextDouble();
    s.addDense(x1);
    s.addDense(x2);
    s.addDense(x3);
    boolean positive = x1 + x2 <= THRESHOLDS[conceptAt(i)];
    if (noise > 0 && rng.nextDouble() < noise) {
      positive = !positive;
    }
    s.setBinaryLabel(positive);
  }

  @Override
  public int dimensions() {
    return 3;
  }
}
