package io.streamtrain.core.feature;

/**
 * What a model's label means, which decides the labels {@code core.data.Validation.check} accepts: any finite real
 * (regression), exactly 0 or 1 (binary logistic), or an integer class index in [0, K) (softmax).
 */
public enum Target {
  REAL,
  BINARY,
  CLASSES
}
