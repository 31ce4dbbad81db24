package io.streamtrain.core.eval;

import io.streamtrain.core.metric.Task;
import java.util.Arrays;

/**
 * The trivial model a replay ranks every configuration against: it ignores the features and predicts from the
 * labels it has been trained on so far. Classification: the class frequencies with add-one (Laplace) smoothing,
 * {@code P(c) = (n_c + 1) / (n + K)}, so its accuracy is the majority class's (ties go to the lowest class, a binary
 * tie at p = 0.5 to class 0) and its log loss that of the prior, finite from the first sample. Regression: the mean
 * of the labels seen (0 before the first), the predictor whose MSE is the labels' variance. Same labels in the same
 * order give the same predictions; O(K) memory, no allocation per sample.
 */
public final class Prior {
  private final Task task;
  private final int k;
  private final long[] counts;
  private long n;
  private double mean;

  /** A prior for {@code task}; {@code classes} is K for multi-class (2 for binary, ignored for regression). */
  public Prior(Task task, int classes) {
    this.task = task;
    this.k = task == Task.REGRESSION ? 1 : task == Task.BINARY ? 2 : classes;
    this.counts = new long[k];
  }

  /** The model output {@code Model.predict} would write: P(y=1), K class probabilities, or the value. */
  public void predict(double[] out) {
    switch (task) {
      case BINARY -> out[0] = (counts[1] + 1.0) / (n + 2.0);
      case MULTICLASS -> {
        for (int c = 0; c < k; c++) {
          out[c] = (counts[c] + 1.0) / (n + k);
        }
      }
      case REGRESSION -> out[0] = mean;
      default -> throw new IllegalStateException();
    }
  }

  /** Learns one label (0/1, a class index, or a value). */
  public void update(double label) {
    n++;
    if (task == Task.REGRESSION) {
      mean += (label - mean) / n; // Welford's running mean
    } else {
      counts[task == Task.BINARY ? (label == 1.0 ? 1 : 0) : (int) label]++;
    }
  }

  public long count() {
    return n;
  }

  @Override
  public String toString() {
    return task == Task.REGRESSION ? "mean " + mean + " of " + n : "counts " + Arrays.toString(counts);
  }
}
