package io.streamtrain.core.drift;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * EDDM, the early drift detection method of Baena-Garcia, del Campo-Avila, Fidalgo, Bifet, Gavalda and
 * Morales-Bueno (2006), on error indicators: the mean p' and standard deviation s' (Welford, n - 1 denominator)
 * of the distances between consecutive errors; (p' + 2 s')_max is its largest value. At each error, once more
 * than {@code minErrors} values were seen: a new maximum is recorded, otherwise, with more than {@code minErrors}
 * errors, the level (p' + 2 s') / (p' + 2 s')_max below {@code beta} is a drift, below {@code alpha} a warning.
 * Defaults as River's: 30, alpha 0.95, beta 0.9 (and River's order of the maximum and the test).
 */
public final class Eddm extends DriftDetector {
  private final int minErrors;
  private final double alpha;
  private final double beta;
  private long n;
  private long errors;
  private long lastError;
  private double mean;
  private double m2;
  private double max;

  public Eddm(int minErrors, double alpha, double beta) {
    if (alpha < beta) {
      throw new IllegalArgumentException("eddm: alpha " + alpha + " must be >= beta " + beta);
    }
    this.minErrors = minErrors;
    this.alpha = alpha;
    this.beta = beta;
    reset();
  }

  @Override
  public void update(double x) {
    if (drift) {
      reset();
    }
    n++;
    if (x != 1.0) {
      return;
    }
    errors++;
    double dist = (double) (n - lastError);
    double d = dist - mean;
    mean += d / errors;
    m2 += d * (dist - mean);
    double var = errors > 1 ? m2 / (errors - 1) : 0.0;
    double p2s = mean + 2.0 * Math.sqrt(var);
    if (n > minErrors && p2s > max) {
      max = p2s;
    } else if (n > minErrors && errors > minErrors) {
      double level = p2s / max;
      if (level < beta) {
        drift = true;
        warning = false;
      } else {
        warning = level < alpha;
      }
    }
    lastError = n;
  }

  @Override
  public String kind() {
    return "eddm";
  }

  @Override
  public boolean hasWarningZone() {
    return true;
  }

  @Override
  public boolean binaryInput() {
    return true;
  }

  @Override
  public void reset() {
    n = 0;
    errors = 0;
    lastError = 0;
    mean = 0.0;
    m2 = 0.0;
    max = -1.0;
    drift = false;
    warning = false;
  }

  @Override
  protected void writeBody(DataOutput out) throws IOException {
    out.writeLong(n);
    out.writeLong(errors);
    out.writeLong(lastError);
    out.writeDouble(mean);
    out.writeDouble(m2);
    out.writeDouble(max);
  }

  @Override
  protected void readBody(DataInput in) throws IOException {
    n = in.readLong();
    errors = in.readLong();
    lastError = in.readLong();
    mean = in.readDouble();
    m2 = in.readDouble();
    max = in.readDouble();
  }
}
