package io.streamtrain.core.fit;

/**
 * A batch method that minimizes an {@link Objective} from a start to a tolerance: {@link LbfgsMinimizer},
 * {@link NewtonCg}, {@link NonlinearCg}. {@code x} holds the start and receives the result. Each method stops when
 * the gradient's max-norm is at most its {@code tolerance_grad} (torch's first-order optimality test), after its
 * iteration limit, or when it can make no more progress, and says which in the {@link FitResult}.
 */
public interface Minimizer {
  /** The method's name as specs spell it. */
  String name();

  FitResult minimize(double[] x, Objective f, FitListener listener);
}
