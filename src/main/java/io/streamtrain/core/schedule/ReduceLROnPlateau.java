package io.streamtrain.core.schedule;

import io.streamtrain.core.SpecException;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * torch.optim.lr_scheduler.ReduceLROnPlateau: multiplies the lr by {@code factor} (but not below {@code min_lr})
 * when the monitored metric has not improved for more than {@code patience} steps, then waits {@code cooldown}
 * steps. "Improved" is torch's {@code is_better}: in mode min with threshold_mode rel, {@code a < best * (1 -
 * threshold)}; abs, {@code a < best - threshold}; mode max mirrors it. A reduction smaller than {@code eps} is
 * skipped. Only {@link #step(double)} advances it; {@link #step()} without a metric is rejected, since torch's
 * {@code step(metrics)} has no default. NaN metrics count as "not better", as in torch.
 */
public final class ReduceLROnPlateau implements LrScheduler {
  private final boolean modeMax;
  private final boolean relative;
  private final double factor;
  private final long patience;
  private final double threshold;
  private final long cooldown;
  private final double minLr;
  private final double eps;

  private double lr;
  private long lastEpoch;
  private double best;
  private long numBadEpochs;
  private long cooldownCounter;

  /**
   * @param mode "min" or "max" (torch default "min")
   * @param factor reduction factor, in [0, 1) (torch default 0.1; torch requires {@code < 1})
   * @param patience steps without improvement tolerated, {@code >= 0} (torch default 10)
   * @param threshold significance of an improvement, finite and {@code >= 0} (torch default 1e-4)
   * @param thresholdMode "rel" or "abs" (torch default "rel")
   * @param cooldown steps to wait after a reduction, {@code >= 0} (torch default 0)
   * @param minLr lower bound on the lr, finite and {@code >= 0} (torch default 0)
   * @param eps minimal reduction, finite and {@code >= 0} (torch default 1e-8)
   */
  public ReduceLROnPlateau(
      double baseLr,
      String mode,
      double factor,
      long patience,
      double threshold,
      String thresholdMode,
      long cooldown,
      double minLr,
      double eps) {
    this.lr = Args.finiteAtLeast("base_lr", baseLr, 0.0);
    if (!"min".equals(mode) && !"max".equals(mode)) {
      throw new SpecException("mode", mode, "allowed: one of [min, max]");
    }
    if (!"rel".equals(thresholdMode) && !"abs".equals(thresholdMode)) {
      throw new SpecException(
          "threshold_mode", thresholdMode, "allowed: one of [rel, abs]");
    }
    this.modeMax = "max".equals(mode);
    this.relative = "rel".equals(thresholdMode);
    this.factor = Args.range("factor", factor, 0.0, false, 1.0, true);
    this.patience = Args.atLeast("patience", patience, 0);
    this.threshold = Args.finiteAtLeast("threshold", threshold, 0.0);
    this.cooldown = Args.atLeast("cooldown", cooldown, 0);
    this.minLr = Args.finiteAtLeast("min_lr", minLr, 0.0);
    this.eps = Args.finiteAtLeast("eps", eps, 0.0);
    // torch _reset(): best = mode_worse, counters 0; last_epoch starts at 0 (no initial step).
    this.best = modeMax ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
  }

  @Override
  public String type() {
    return "ReduceLROnPlateau";
  }

  @Override
  public double lr() {
    return lr;
  }

  @Override
  public boolean needsMetric() {
    return true;
  }

  @Override
  public long stepCount() {
    return lastEpoch;
  }

  @Override
  public void step() {
    throw new IllegalStateException("ReduceLROnPlateau must be stepped with a metric: step(metric)");
  }

  @Override
  public void step(double metric) {
    lastEpoch++;
    if (isBetter(metric, best)) {
      best = metric;
      numBadEpochs = 0;
    } else {
      numBadEpochs++;
    }
    if (cooldownCounter > 0) {
      cooldownCounter--;
      numBadEpochs = 0; // torch: ignore any bad epochs in cooldown
    }
    if (numBadEpochs > patience) {
      reduceLr();
      cooldownCounter = cooldown;
      numBadEpochs = 0;
    }
  }

  private void reduceLr() {
    // torch: new_lr = max(old_lr * factor, min_lr) with Python's max (keeps the first argument unless the second
    // is strictly greater), applied only if old_lr - new_lr > eps.
    double newLr = lr * factor;
    if (minLr > newLr) {
      newLr = minLr;
    }
    if (lr - newLr > eps) {
      lr = newLr;
    }
  }

  private boolean isBetter(double a, double best) {
    if (!modeMax) {
      return relative ? a < best * (1. - threshold) : a < best - threshold;
    }
    return relative ? a > best * (threshold + 1.) : a > best + threshold;
  }

  @Override
  public void writeState(DataOutput out) throws IOException {
    Args.writeHeader(out, type());
    out.writeLong(lastEpoch);
    out.writeDouble(lr);
    out.writeDouble(best);
    out.writeLong(numBadEpochs);
    out.writeLong(cooldownCounter);
  }

  @Override
  public void readState(DataInput in) throws IOException {
    Args.readHeader(in, type());
    lastEpoch = in.readLong();
    lr = in.readDouble();
    best = in.readDouble();
    numBadEpochs = in.readLong();
    cooldownCounter = in.readLong();
  }
}
