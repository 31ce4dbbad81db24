package io.streamtrain.core.model.layer;

/**
 * An elementwise function with its first and second derivatives, each written in terms of the input z and the
 * output a = f(z), whichever is cheaper (the second derivative feeds the R-operator).
 */
public interface Nonlinearity {
  double apply(double z);

  double d1(double z, double a);

  double d2(double z, double a);
}
