package io.streamtrain.core.metric;

import java.util.Arrays;

/**
 * The confusion matrix of a classifier (row = true class, column = predicted class, counts) and the per-class
 * figures read from it, as scikit-learn's {@code confusion_matrix}, {@code precision_recall_fscore_support},
 * {@code f1_score(average="macro")} and {@code balanced_accuracy_score} define them: precision_c = C[c][c] / column
 * sum, recall_c = C[c][c] / row sum, F1_c = 2 P R / (P + R); a class never predicted has precision 0 and a class
 * with precision and recall 0 has F1 0 (scikit-learn's {@code zero_division=0}); macro-F1 is the unweighted mean of
 * F1 over the classes that occur (true or predicted); balanced accuracy is the mean recall over the classes that
 * occur as true labels (Brodersen et al. 2010). NaN before the first sample. Adding is O(1) and allocation-free.
 */
public final class ConfusionMatrix {
  private final int k;
  private final long[] counts;
  private long n;

  public ConfusionMatrix(int classes) {
    if (classes < 2) {
      throw new IllegalArgumentException("a confusion matrix needs >= 2 classes, got " + classes);
    }
    this.k = classes;
    this.counts = new long[classes * classes];
  }

  public int classes() {
    return k;
  }

  /** One prediction; both are class indices in [0, classes). */
  public void add(int trueClass, int predicted) {
    counts[trueClass * k + predicted]++;
    n++;
  }

  public long count(int trueClass, int predicted) {
    return counts[trueClass * k + predicted];
  }

  public long total() {
    return n;
  }

  /** Row sum: samples whose true class is {@code c}. */
  public long support(int c) {
    long s = 0;
    for (int j = 0; j < k; j++) {
      s += counts[c * k + j];
    }
    return s;
  }

  /** Column sum: samples predicted as {@code c}. */
  public long predicted(int c) {
    long s = 0;
    for (int i = 0; i < k; i++) {
      s += counts[i * k + c];
    }
    return s;
  }

  public double precision(int c) {
    if (n == 0) {
      return Double.NaN;
    }
    long p = predicted(c);
    return p == 0 ? 0.0 : (double) count(c, c) / p;
  }

  public double recall(int c) {
    if (n == 0) {
      return Double.NaN;
    }
    long s = support(c);
    return s == 0 ? 0.0 : (double) count(c, c) / s;
  }

  public double f1(int c) {
    double p = precision(c);
    double r = recall(c);
    if (Double.isNaN(p)) {
      return Double.NaN;
    }
    return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
  }

  /** Mean F1 over the classes that occur as a true label or a prediction. */
  public double macroF1() {
    if (n == 0) {
      return Double.NaN;
    }
    double sum = 0;
    int m = 0;
    for (int c = 0; c < k; c++) {
      if (support(c) > 0 || predicted(c) > 0) {
        sum += f1(c);
        m++;
      }
    }
    return sum / m;
  }

  /** Mean recall over the classes that occur as a true label. */
  public double balancedAccuracy() {
    if (n == 0) {
      return Double.NaN;
    }
    double sum = 0;
    int m = 0;
    for (int c = 0; c < k; c++) {
      if (support(c) > 0) {
        sum += recall(c);
        m++;
      }
    }
    return sum / m;
  }

  /** The counts, row-major (true class by predicted class), a copy. */
  public long[] toArray() {
    return Arrays.copyOf(counts, counts.length);
  }

  /** A matrix with the given row-major counts (e.g. read back from a report). */
  public static ConfusionMatrix of(int classes, long[] rowMajor) {
    if (rowMajor.length != classes * classes) {
      throw new IllegalArgumentException(rowMajor.length + " counts for " + classes + " classes");
    }
    ConfusionMatrix m = new ConfusionMatrix(classes);
    System.arraycopy(rowMajor, 0, m.counts, 0, rowMajor.length);
    for (long c : rowMajor) {
      m.n += c;
    }
    return m;
  }
}
