package io.streamtrain.core.drift;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * DDM, the drift detection method of Gama, Medas, Castillo and Rodrigues ("Learning with drift detection", SBIA
 * 2004), on error indicators: the error rate p_i of the i values since the last reset and its binomial standard
 * deviation s_i = sqrt(p_i (1 - p_i) / i); (p_min, s_min) are taken where p_i + s_i was lowest. After more than
 * {@code minInstances} values: warning when p_i + s_i > p_min + {@code warningLevel} s_min, drift when
 * p_i + s_i > p_min + {@code driftLevel} s_min. Defaults as River's: 30, 2, 3 (strict inequalities and the
 * minimum kept on ties, as River).
 */
public final class Ddm extends DriftDetector {
  private final int minInstances;
  private final double warningLevel;
  private final double driftLevel;
  private long n;
  private double p;
  private double pMin;
  private double sMin;
  private double psMin;

  public Ddm(int minInstances, double warningLevel, double driftLevel) {
    this.minInstances = minInstances;
    this.warningLevel = warningLevel;
    this.driftLevel = driftLevel;
    reset();
  }

  @Override
  public void update(double x) {
    if (drift) {
      reset();
    }
    n++;
    p += (x - p) / n;
    double s = Math.sqrt(p * (1.0 - p) / n);
    if (n > minInstances) {
      if (p + s <= psMin) {
        pMin = p;
        sMin = s;
        psMin = p + s;
      }
      if (p + s > pMin + driftLevel * sMin) {
        drift = true;
        warning = false;
      } else {
        warning = p + s > pMin + warningLevel * sMin;
      }
    }
  }

  /** The error rate since the last reset. */
  public double errorRate() {
    return p;
  }

  @Override
  public String kind() {
    return "ddm";
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
    p = 0.0;
    pMin = Double.POSITIVE_INFINITY;
    sMin = Double.POSITIVE_INFINITY;
    psMin = Double.POSITIVE_INFINITY;
    drift = false;
    warning = false;
  }

  @Override
  protected void writeBody(DataOutput out) throws IOException {
    out.writeLong(n);
    out.writeDouble(p);
    out.writeDouble(pMin);
    out.writeDouble(sMin);
    out.writeDouble(psMin);
  }

  @Override
  protected void readBody(DataInput in) throws IOException {
    n = in.readLong();
    p = in.readDouble();
    pMin = in.readDouble();
    sMin = in.readDouble();
    psMin = in.readDouble();
  }
}
