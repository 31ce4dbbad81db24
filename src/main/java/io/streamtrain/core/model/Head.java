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

  public static Head of(String name) {
    for (Head h : values()) {
      if (h.specName.equals(name)) {
        return h;
      }
    }
    throw new IllegalArgumentException(name);
  }
}
