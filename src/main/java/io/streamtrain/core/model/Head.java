package io.streamtrain.core.model;

import java.util.List;

/**
 * The output layer's loss: {@link #LINEAR} regression (squared or Huber loss on the raw output), {@link #LOGISTIC}
 * (binary log loss on the logit, label 0/1) or {@link #SOFTMAX} (cross-entropy on K logits, label a class index).
 */
public enum Head {
  LINEAR("linear"),
  LOGISTIC("logistic"),
  SOFTMAX("softmax");

  public static final List<String> NAMES = List.of("linear", "logistic", "softmax");

  public final String specName;

  Head(String specName) {
    this.specName = specName;
  }

  /**
   * The class a classifier's output predicts: for one output (P(y=1)) 1 when it is above 0.5, else 0; for K class
   * probabilities at {@code out[off, off + k)} the first largest. The rule progressive accuracy counts with.
   */
  public static int predictedClass(double[] out, int off, int k) {
    if (k == 1) {
      return out[off] > 0.5 ? 1 : 0;
    }
    int best = 0;
    for (int c = 1; c < k; c++) {
      if (out[off + c] > out[off + best]) {
        best = c;
      }
    }
    return best;
  }

  public static Head of(String name) {
    for (Head h : values()) {
      if (h.specName.equals(name)) {
        return h;
      }
    }
    throw new IllegalArgumentException(name);
  }
}
