package io.streamtrain.core.fit;

/**
 * Counts the work a minimizer asks of an objective, in passes over the data: every value, value-and-gradient or
 * Hessian-vector product of a {@link ModelObjective} reads each row once (a Hessian-vector product costs about
 * two gradients of arithmetic, but one read of the data), and how many of each kind were made.
 */
public final class CountingObjective implements Objective {
  private final Objective inner;
  private long gradients;
  private long values;
  private long hessianVectors;

  public CountingObjective(Objective inner) {
    this.inner = inner;
  }

  @Override
  public int dimension() {
    return inner.dimension();
  }

  @Override
  public double valueAndGradient(double[] x, double[] grad) {
    gradients++;
    return inner.valueAndGradient(x, grad);
  }

  @Override
  public double value(double[] x) {
    values++;
    return inner.value(x);
  }

  @Override
  public void hessianVector(double[] x, double[] v, double[] out) {
    hessianVectors++;
    inner.hessianVector(x, v, out);
  }

  /** gradients + values + Hessian-vector products. */
  public long passes() {
    return gradients + values + hessianVectors;
  }

  public long gradients() {
    return gradients;
  }

  public long values() {
    return values;
  }

  public long hessianVectors() {
    return hessianVectors;
  }
}
