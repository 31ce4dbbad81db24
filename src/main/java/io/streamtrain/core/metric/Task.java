package io.streamtrain.core.metric;

import io.streamtrain.core.feature.Target;

/**
 * What is being predicted, which decides the metrics that make sense: binary classification (log loss, accuracy,
 * AUC, precision and recall at a threshold), multi-class classification (log loss, accuracy) or regression
 * (RMSE, MAE, with the mean squared error as the loss). The names are stable: they are the wire names of
 * EvaluationResult metrics.
 */
public enum Task {
  BINARY("log_loss", "accuracy", "auc", "precision", "recall"),
  MULTICLASS("log_loss", "accuracy"),
  REGRESSION("mse", "rmse", "mae");

  private final String[] names;

  Task(String... names) {
    this.names = names;
  }

  /** Metric names in their defined order; the first is the loss. */
  public String[] names() {
    return names.clone();
  }

  public int size() {
    return names.length;
  }

  public String name(int i) {
    return names[i];
  }

  public static Task of(Target target) {
    return switch (target) {
      case BINARY -> BINARY;
      case CLASSES -> MULTICLASS;
      case REAL -> REGRESSION;
    };
  }
}
