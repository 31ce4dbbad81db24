package io.streamtrain.bench;

import io.streamtrain.core.random.Xoshiro256;
import io.streamtrain.io.MutableSample;

/**
 * The scripted benchmarks' synthetic stream: D standard-normal dense features and a label drawn from a logistic
 * model with fixed random weights (scale 3 / sqrt(D)), reproducible from the seed.
 */
final class LogisticSamples {
  private final Xoshiro256 rng;
  private final double[] w;

  LogisticSamples(long seed, int dims) {
    rng = new Xoshiro256(seed);
    w = new double[dims];
    for (int j = 0; j < dims; j++) {
      w[j] = rng.nextGaussian() / Math.sqrt(dims) * 3;
    }
  }

  /** Clears {@code s} and fills its dense features and label (model id and event time are the caller's). */
  void next(MutableSample s) {
    s.clear();
    double z = 0;
    for (int j = 0; j < w.length; j++) {
      double x = rng.nextGaussian();
      s.addDense(x);
      z += w[j] * x;
    }
    s.setBinaryLabel(rng.nextDouble() < 1 / (1 + Math.exp(-z)));
  }
}
