package io.streamtrain.io.gen;

import io.streamtrain.io.MutableSample;

/**
 * Random radial basis function stream with moving centroids (MOA's RandomRBFGeneratorDrift, after Bifet et al.,
 * "New ensemble methods for evolving data streams", KDD 2009). {@code centroids} centres in [0,1]^d, each with a
 * class, a standard deviation ~ U[0,1) and a weight ~ U[0,1). A sample picks a centroid with probability
 * proportional to its weight and lies at centre + u * g * stddev, u a uniform random unit direction, g ~ N(0,1);
 * its label is the centroid's class (an int class index). The first {@code driftCentroids} centroids move by
 * {@code speed} per sample along a random unit direction, bouncing off the faces of the unit cube.
 */
public final class RandomRbfGenerator extends AbstractGenerator {
  private final int dims;
  private final int classes;
  private final int driftCentroids;
  private final double speed;
  private final double[][] centre;
  private final double[][] velocity;
  private final int[] label;
  private final double[] stddev;
  private final double[] cumulativeWeight;
  private final double[] direction;

  public RandomRbfGenerator(
      int dims, int classes, int centroids, int driftCentroids, double speed, long seed, long startTime, long step) {
    super(seed, startTime, step);
    this.dims = dims;
    this.classes = classes;
    this.driftCentroids = Math.min(driftCentroids, centroids);
    this.speed = speed;
    this.centre = new double[centroids][dims];
    this.velocity = new double[centroids][dims];
    this.label = new int[centroids];
    this.stddev = new double[centroids];
    this.cumulativeWeight = new double[centroids];
    this.direction = new double[dims];
    double total = 0;
    for (int c = 0; c < centroids; c++) {
      for (int j = 0; j < dims; j++) {
        centre[c][j] = rng.nextDouble();
      }
      label[c] = rng.nextInt(classes);
      stddev[c] = rng.nextDouble();
      total += rng.nextDouble();
      cumulativeWeight[c] = total;
      randomUnit(velocity[c]);
      for (int j = 0; j < dims; j++) {
        velocity[c][j] *= speed;
      }
    }
  }

  private void randomUnit(double[] v) {
    double norm = 0;
    for (int j = 0; j < v.length; j++) {
      v[j] = 2 * rng.nextDouble() - 1;
      norm += v[j] * v[j];
    }
    norm = Math.sqrt(norm);
    for (int j = 0; j < v.length; j++) {
      v[j] /= norm;
    }
  }

  @Override
  protected void generate(MutableSample s, long i) {
    double pick = rng.nextDouble() * cumulativeWeight[cumulativeWeight.length - 1];
    int c = 0;
    while (cumulativeWeight[c] < pick) {
      c++;
    }
    randomUnit(direction);
    double magnitude = rng.nextGaussian() * stddev[c];
    for (int j = 0; j < dims; j++) {
      s.addDense(centre[c][j] + direction[j] * magnitude);
    }
    s.setClassLabel(label[c]);
    for (int k = 0; k < driftCentroids; k++) {
      for (int j = 0; j < dims; j++) {
        double next = centre[k][j] + velocity[k][j];
        if (next < 0 || next > 1) {
          velocity[k][j] = -velocity[k][j];
          next = centre[k][j] + velocity[k][j];
        }
        centre[k][j] = next;
      }
    }
  }

  /** A copy of centroid {@code c}'s current centre. */
  public double[] centre(int c) {
    return centre[c].clone();
  }

  public int classes() {
    return classes;
  }

  @Override
  public int dimensions() {
    return dims;
  }
}
