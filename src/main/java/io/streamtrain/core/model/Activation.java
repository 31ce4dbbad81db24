package io.streamtrain.core.model;

import io.streamtrain.core.model.layer.Nonlinearity;
import java.util.List;

/**
 * Hidden-layer activations with their first and second derivatives (the second one feeds the R-operator). The
 * derivatives are written in terms of the pre-activation z and the output a = f(z), whichever is cheaper:
 * tanh' = 1 - a^2, tanh'' = -2a(1 - a^2); sigmoid' = a(1 - a), sigmoid'' = a(1 - a)(1 - 2a); relu' = [z &gt; 0]
 * (0 at z = 0, as torch), relu'' = 0; identity' = 1, identity'' = 0.
 */
public enum Activation implements Nonlinearity {
  RELU("relu"),
  TANH("tanh"),
  SIGMOID("sigmoid"),
  IDENTITY("identity");

  public static final List<String> NAMES = List.of("relu", "tanh", "sigmoid", "identity");

  public final String specName;

  Activation(String specName) {
    this.specName = specName;
  }

  public static Activation of(String name) {
    for (Activation a : values()) {
      if (a.specName.equals(name)) {
        return a;
      }
    }
    throw new IllegalArgumentException(name);
  }

  @Override
  public double apply(double z) {
    switch (this) {
      case RELU:
        return z > 0 ? z : 0.0;
      case TANH:
        return Math.tanh(z);
      case SIGMOID:
        return sigmoid(z);
      default:
        return z;
    }
  }

  @Override
  public double d1(double z, double a) {
    switch (this) {
      case RELU:
        return z > 0 ? 1.0 : 0.0;
      case TANH:
        return 1.0 - a * a;
      case SIGMOID:
        return a * (1.0 - a);
      default:
        return 1.0;
    }
  }

  @Override
  public double d2(double z, double a) {
    switch (this) {
      case TANH:
        return -2.0 * a * (1.0 - a * a);
      case SIGMOID:
        return a * (1.0 - a) * (1.0 - 2.0 * a);
      default:
        return 0.0;
    }
  }

  /** The logistic function without overflow for large |z|. */
  public static double sigmoid(double z) {
    return io.streamtrain.core.loss.LogisticLoss.sigmoid(z);
  }

  /** torch.nn.init.calculate_gain's name for this activation. */
  public String gainName() {
    return this == IDENTITY ? "linear" : specName;
  }
}
