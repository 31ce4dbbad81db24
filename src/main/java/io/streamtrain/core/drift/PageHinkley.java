package io.streamtrain.core.drift;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The Page-Hinkley test for an increase of the mean (Page, "Continuous inspection schemes", Biometrika 1954), in
 * the form with a forgetting factor: with the running mean xbar_t of the values since the last reset,
 * {@code m_t = max(0, alpha m_(t-1) + x_t - xbar_t - delta)}, a change when {@code m_t > threshold} after at least
 * {@code minInstances} values (with alpha = 1 this is m_T - min_t m_t of the classic statement). Defaults as
 * River's: min_instances 30, delta 0.005, threshold 50, alpha 1 - 1e-4. No warning zone.
 */
public final class PageHinkley extends DriftDetector {
  private final int minInstances;
  private final double delta;
  private final double threshold;
  private final double alpha;
  private long n;
  private double mean;
  private double sum;

  public PageHinkley(int minInstances, double delta, double threshold, double alpha) {
    this.minInstances = minInstances;
    this.delta = delta;
    this.threshold = threshold;
    this.alpha = alpha;
  }

  @Override
  public void update(double x) {
    if (drift) {
      reset();
    }
    n++;
    mean += (x - mean) / n;
    sum = Math.max(0.0, alpha * sum + (x - mean - delta));
    drift = n >= minInstances && sum > threshold;
  }

  /** The test statistic m_t. */
  public double statistic() {
    return sum;
  }

  @Override
  public String kind() {
    return "page_hinkley";
  }

  @Override
  public boolean hasWarningZone() {
    return false;
  }

  @Override
  public boolean binaryInput() {
    return false;
  }

  @Override
  public void reset() {
    n = 0;
    mean = 0.0;
    sum = 0.0;
    drift = false;
    warning = false;
  }

  @Override
  protected void writeBody(DataOutput out) throws IOException {
    out.writeLong(n);
    out.writeDouble(mean);
    out.writeDouble(sum);
  }

  @Override
  protected void readBody(DataInput in) throws IOException {
    n = in.readLong();
    mean = in.readDouble();
    sum = in.readDouble();
  }
}
