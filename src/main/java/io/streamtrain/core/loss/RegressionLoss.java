package io.streamtrain.core.loss;

import java.util.List;

/**
 * Losses of a real-valued prediction p against a target y, with first and second derivatives in p. Squared is
 * torch's MSELoss term {@code (p - y)^2} (no 1/2, so the batch mean equals MSELoss's). Huber is torch's
 * HuberLoss(delta): {@code 0.5 r^2} for |r| &lt;= delta, else {@code delta (|r| - 0.5 delta)}, r = p - y (Huber
 * 1964); its second derivative is 1 inside and 0 outside (a.e.).
 */
public enum RegressionLoss {
  SQUARED("squared"),
  HUBER("huber");

  public static final List<String> NAMES = List.of("squared", "huber");

  public final String specName;

  RegressionLoss(String specName) {
    this.specName = specName;
  }

  public static RegressionLoss of(String name) {
    return "huber".equals(name) ? HUBER : SQUARED;
  }

  public double value(double p, double y, double delta) {
    double r = p - y;
    if (this == SQUARED) {
      return r * r;
    }
    double a = Math.abs(r);
    return a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
  }

  public double d1(double p, double y, double delta) {
    double r = p - y;
    if (this == SQUARED) {
      return 2.0 * r;
    }
    return r > delta ? delta : (r < -delta ? -delta : r);
  }

  public double d2(double p, double y, double delta) {
    if (this == SQUARED) {
      return 2.0;
    }
    return Math.abs(p - y) <= delta ? 1.0 : 0.0;
  }
}
