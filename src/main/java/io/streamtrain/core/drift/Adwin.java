package io.streamtrain.core.drift;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * ADWIN2 (Bifet and Gavalda, "Learning from time-changing data with adaptive windowing", SDM 2007): a window of
 * recent values kept as an exponential histogram, at most {@code maxBuckets} buckets of 2^i values per row i
 * (each bucket its sum and its sum of squared deviations, merged exactly as in Babcock et al. 2003). Every
 * {@code clock} values, once the window holds more than {@code gracePeriod}, every boundary between buckets splits
 * it into an older W0 and a newer W1 of at least {@code minWindowLength} values each; when
 * |mean(W0) - mean(W1)| > eps_cut the oldest bucket is dropped and the window checked again, and the value is a
 * detected change. eps_cut = sqrt(2 m sigma^2 ln(2 ln(n) / delta)) + 2/3 m ln(2 ln(n) / delta) with
 * m = 1/(n0 - mwl + 1) + 1/(n1 - mwl + 1) and sigma^2 the window's variance (the paper's Bernstein-type bound with
 * delta' = delta / ln n, as MOA and River compute it). Defaults as River's: delta 0.002, clock 32, 5 buckets,
 * minimum sub-window 5, grace period 10. The window is not cleared after a change (the paper keeps W1). The test
 * is two-sided as in the paper; with {@code upOnly} the window still shrinks at every cut, but only a cut whose
 * newer part has the higher mean (an error rate or loss that went up) is reported as a drift.
 * Storage is fixed at construction: 62 rows (2^62 values) of maxBuckets + 1 slots.
 */
public final class Adwin extends DriftDetector {
  private static final int ROWS = 62;
  private final double delta;
  private final int clock;
  private final int maxBuckets;
  private final int minWindowLength;
  private final int gracePeriod;
  private final boolean upOnly;
  /** Row i, slot j (oldest first) at i * (maxBuckets + 1) + j. */
  private final double[] sums;
  private final double[] variances;
  private final int[] counts = new int[ROWS];
  private int rows;
  private long width;
  private double total;
  private double variance;
  private long tick;

  public Adwin(double delta, int clock, int maxBuckets, int minWindowLength, int gracePeriod) {
    this(delta, clock, maxBuckets, minWindowLength, gracePeriod, false);
  }

  public Adwin(double delta, int clock, int maxBuckets, int minWindowLength, int gracePeriod, boolean upOnly) {
    this.upOnly = upOnly;
    this.delta = delta;
    this.clock = clock;
    this.maxBuckets = maxBuckets;
    this.minWindowLength = minWindowLength;
    this.gracePeriod = gracePeriod;
    this.sums = new double[ROWS * (maxBuckets + 1)];
    this.variances = new double[ROWS * (maxBuckets + 1)];
  }

  @Override
  public void update(double x) {
    drift = false;
    width++;
    if (width > 1) {
      double d = x - total / (width - 1);
      variance += (width - 1) * d * d / width;
    }
    total += x;
    if (rows == 0) {
      rows = 1;
    }
    append(0, x, 0.0);
    compress();
    tick++;
    if (tick % clock == 0 && width > gracePeriod) {
      for (int c = cut(); c != 0; c = cut()) {
        if (c > 0 || !upOnly) {
          drift = true;
        }
        dropOldest();
      }
    }
  }

  private void append(int row, double sum, double var) {
    int at = row * (maxBuckets + 1) + counts[row];
    sums[at] = sum;
    variances[at] = var;
    counts[row]++;
  }

  /** Merges the two oldest buckets of every full row into one of the next row. */
  private void compress() {
    for (int i = 0; i < rows && counts[i] > maxBuckets; i++) {
      int base = i * (maxBuckets + 1);
      double u1 = sums[base];
      double u2 = sums[base + 1];
      double n = (double) (1L << i);
      double mu1 = u1 / n;
      double mu2 = u2 / n;
      double v = variances[base] + variances[base + 1] + n * n * (mu1 - mu2) * (mu1 - mu2) / (n + n);
      removeOldest(i, 2);
      if (i + 1 == rows) {
        if (rows == ROWS) {
          throw new IllegalStateException("adwin: window beyond 2^" + ROWS + " values");
        }
        rows++;
      }
      append(i + 1, u1 + u2, v);
    }
  }

  private void removeOldest(int row, int k) {
    int base = row * (maxBuckets + 1);
    int c = counts[row];
    System.arraycopy(sums, base + k, sums, base, c - k);
    System.arraycopy(variances, base + k, variances, base, c - k);
    counts[row] = c - k;
  }

  /**
   * Whether some split of the window into W0 (older) and W1 differs by more than eps_cut: +1 when W1's mean is the
   * higher, -1 when it is the lower, 0 for no such split.
   */
  private int cut() {
    double w = (double) width;
    double dd = StrictMath.log(2.0 * StrictMath.log(w) / delta);
    double sigma2 = variance / w;
    double n0 = 0.0;
    double u0 = 0.0;
    double n1 = w;
    double u1 = total;
    for (int i = rows - 1; i >= 0; i--) {
      double size = (double) (1L << i);
      int base = i * (maxBuckets + 1);
      for (int j = 0; j < counts[i]; j++) {
        n0 += size;
        n1 -= size;
        u0 += sums[base + j];
        u1 -= sums[base + j];
        if (n1 <= 0.0) {
          return 0;
        }
        if (n0 >= minWindowLength && n1 >= minWindowLength) {
          double m = 1.0 / (n0 - minWindowLength + 1.0) + 1.0 / (n1 - minWindowLength + 1.0);
          double eps = Math.sqrt(2.0 * m * sigma2 * dd) + 2.0 / 3.0 * dd * m;
          double diff = u0 / n0 - u1 / n1;
          if (Math.abs(diff) > eps) {
            return diff < 0 ? 1 : -1;
          }
        }
      }
    }
    return 0;
  }

  private void dropOldest() {
    int i = rows - 1;
    int base = i * (maxBuckets + 1);
    double u = sums[base];
    double v = variances[base];
    removeOldest(i, 1);
    double n = (double) (1L << i);
    width -= 1L << i;
    total -= u;
    double w = (double) width;
    double mu = u / n;
    double muw = total / w;
    variance -= v + n * w * (mu - muw) * (mu - muw) / (n + w);
    if (counts[i] == 0) {
      rows--;
    }
  }

  /** Values in the window. */
  public long width() {
    return width;
  }

  /** Mean of the window (0 when empty). */
  public double mean() {
    return width == 0 ? 0.0 : total / width;
  }

  @Override
  public String kind() {
    return "adwin";
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
    java.util.Arrays.fill(counts, 0);
    rows = 0;
    width = 0;
    total = 0.0;
    variance = 0.0;
    tick = 0;
    drift = false;
    warning = false;
  }

  @Override
  protected void writeBody(DataOutput out) throws IOException {
    out.writeLong(width);
    out.writeDouble(total);
    out.writeDouble(variance);
    out.writeLong(tick);
    out.writeByte(maxBuckets);
    out.writeByte(rows);
    for (int i = 0; i < rows; i++) {
      int base = i * (maxBuckets + 1);
      out.writeByte(counts[i]);
      for (int j = 0; j < counts[i]; j++) {
        out.writeDouble(sums[base + j]);
        out.writeDouble(variances[base + j]);
      }
    }
  }

  @Override
  protected void readBody(DataInput in) throws IOException {
    width = in.readLong();
    total = in.readDouble();
    variance = in.readDouble();
    tick = in.readLong();
    int mb = in.readByte();
    if (mb != maxBuckets) {
      throw new IOException("adwin state has " + mb + " buckets per row, the configuration " + maxBuckets);
    }
    int r = in.readByte();
    if (r < 0 || r > ROWS) {
      throw new IOException("adwin state has " + r + " rows");
    }
    java.util.Arrays.fill(counts, 0);
    rows = r;
    for (int i = 0; i < rows; i++) {
      int base = i * (maxBuckets + 1);
      int c = in.readByte();
      if (c < 0 || c > maxBuckets) {
        throw new IOException("adwin state row " + i + " has " + c + " buckets");
      }
      counts[i] = c;
      for (int j = 0; j < c; j++) {
        sums[base + j] = in.readDouble();
        variances[base + j] = in.readDouble();
      }
    }
  }
}
