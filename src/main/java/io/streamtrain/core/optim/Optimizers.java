package io.streamtrain.core.optim;

import static io.streamtrain.core.optim.Transforms.addDecayedWeights;
import static io.streamtrain.core.optim.Transforms.chain;
import static io.streamtrain.core.optim.Transforms.decoupledWeightDecay;
import static io.streamtrain.core.optim.Transforms.scaleByAdagrad;
import static io.streamtrain.core.optim.Transforms.scaleByAdam;
import static io.streamtrain.core.optim.Transforms.scaleByLearningRate;
import static io.streamtrain.core.optim.Transforms.scaleByRms;
import static io.streamtrain.core.optim.Transforms.traceMomentum;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import java.util.List;

/**
 * The torch.optim presets as transform chains, and their parsing from specs with torch's names and defaults
 * (torch 1.13): {@code sgd} (lr required, as torch 1.13 requires it; momentum 0, dampening 0, nesterov false,
 * weight_decay 0), {@code adagrad} (lr 1e-2, lr_decay 0, weight_decay 0, initial_accumulator_value 0, eps
 * 1e-10), {@code rmsprop} (lr 1e-2, alpha 0.99, eps 1e-8, weight_decay 0, momentum 0, centered false), {@code
 * adam} (lr 1e-3, betas [0.9, 0.999], eps 1e-8, weight_decay 0 as coupled L2, amsgrad false) and {@code adamw}
 * (the same with decoupled weight_decay 1e-2); and for sparse models {@code sparse_adam} (torch.optim.SparseAdam:
 * lr 1e-3, betas [0.9, 0.999], eps 1e-8) and {@code ftrl} (FTRL-Proximal: lr = alpha 0.1, beta 1, l1 0, l2 0). Validation follows torch's constructors (lr, eps, weight_decay,
 * momentum >= 0; 0 <= betas < 1; nesterov needs momentum > 0 and dampening 0) and also rejects non-finite
 * values and unknown keys.
 */
public final class Optimizers {
  public static final List<String> TYPES = List.of("sgd", "adagrad", "rmsprop", "adam", "adamw", "sparse_adam", "ftrl");

  private Optimizers() {}

  /** torch.optim.SGD. */
  public static OptimizerSpec sgd(
      double lr, double momentum, double dampening, boolean nesterov, double weightDecay) {
    return new OptimizerSpec(
        "sgd",
        chain(addDecayedWeights(weightDecay), traceMomentum(momentum, dampening, nesterov), scaleByLearningRate(lr)),
        null);
  }

  /** torch.optim.Adagrad. */
  public static OptimizerSpec adagrad(
      double lr, double lrDecay, double weightDecay, double initialAccumulatorValue, double eps) {
    return new OptimizerSpec(
        "adagrad",
        chain(
            addDecayedWeights(weightDecay),
            scaleByAdagrad(lrDecay, initialAccumulatorValue, eps),
            scaleByLearningRate(lr)),
        null);
  }

  /** torch.optim.RMSprop; momentum 0 leaves the momentum stage out (torch then allocates no buffer). */
  public static OptimizerSpec rmsprop(
      double lr, double alpha, double eps, double weightDecay, double momentum, boolean centered) {
    Chain c =
        momentum > 0
            ? chain(
                addDecayedWeights(weightDecay),
                scaleByRms(alpha, eps, centered),
                traceMomentum(momentum, 0, false),
                scaleByLearningRate(lr))
            : chain(addDecayedWeights(weightDecay), scaleByRms(alpha, eps, centered), scaleByLearningRate(lr));
    return new OptimizerSpec("rmsprop", c, null);
  }

  /** torch.optim.Adam (weight_decay is coupled L2, added to the gradient). */
  public static OptimizerSpec adam(
      double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
    return new OptimizerSpec(
        "adam",
        chain(addDecayedWeights(weightDecay), scaleByAdam(beta1, beta2, eps, amsgrad), scaleByLearningRate(lr)),
        null);
  }

  /** torch.optim.AdamW (decoupled weight decay, p *= 1 - lr * weight_decay before the Adam update). */
  public static OptimizerSpec adamw(
      double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
    return new OptimizerSpec(
        "adamw",
        chain(
            decoupledWeightDecay(weightDecay, lr),
            scaleByAdam(beta1, beta2, eps, amsgrad),
            scaleByLearningRate(lr)),
        null);
  }

  /**
   * torch.optim.SparseAdam (lr 1e-3, betas [0.9, 0.999], eps 1e-8): Adam whose moments advance only for the
   * coordinates a step's gradient touches. Its step size holds the learning rate, so the chain is this one stage.
   */
  public static OptimizerSpec sparseAdam(double lr, double beta1, double beta2, double eps) {
    return new OptimizerSpec("sparse_adam", chain(new ScaleBySparseAdam(lr, beta1, beta2, eps)), null);
  }

  /** FTRL-Proximal (McMahan et al. 2013) with alpha = {@code lr}, beta, l1 and l2; see {@link Ftrl}. */
  public static OptimizerSpec ftrl(double lr, double beta, double l1, double l2) {
    return new OptimizerSpec("ftrl", chain(new Ftrl(lr, beta, l1, l2)), null);
  }

  /** Parses {@code {"type": "adam", "lr": ..., ...}}; see the class comment for names and defaults. */
  public static OptimizerSpec fromSpec(SpecReader r) {
    String type = r.requireString("type");
    switch (type) {
      case "sgd" -> {
        r.rejectUnknown("type", "lr", "momentum", "dampening", "nesterov", "weight_decay");
        if (!r.has("lr")) {
          throw new SpecException(
              r.key("lr"), "missing; it is required for sgd (torch 1.13's SGD has no default lr)");
        }
        double lr = nonNegative(r, "lr", 0);
        double momentum = nonNegative(r, "momentum", 0);
        double dampening = r.getDouble("dampening", 0, Double.NEGATIVE_INFINITY, true, Double.POSITIVE_INFINITY, true);
        boolean nesterov = r.getBoolean("nesterov", false);
        double wd = nonNegative(r, "weight_decay", 0);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
          throw new SpecException(
              r.key("nesterov"),
              true,
              "allowed only with momentum > 0 and dampening 0 (got momentum " + momentum + ", dampening "
                  + dampening + ")");
        }
        return sgd(lr, momentum, dampening, nesterov, wd);
      }
      case "adagrad" -> {
        r.rejectUnknown("type", "lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps");
        return adagrad(
            nonNegative(r, "lr", 1e-2),
            nonNegative(r, "lr_decay", 0),
            nonNegative(r, "weight_decay", 0),
            nonNegative(r, "initial_accumulator_value", 0),
            nonNegative(r, "eps", 1e-10));
      }
      case "rmsprop" -> {
        r.rejectUnknown("type", "lr", "alpha", "eps", "weight_decay", "momentum", "centered");
        return rmsprop(
            nonNegative(r, "lr", 1e-2),
            nonNegative(r, "alpha", 0.99),
            nonNegative(r, "eps", 1e-8),
            nonNegative(r, "weight_decay", 0),
            nonNegative(r, "momentum", 0),
            r.getBoolean("centered", false));
      }
      case "adam", "adamw" -> {
        r.rejectUnknown("type", "lr", "betas", "eps", "weight_decay", "amsgrad");
        double lr = nonNegative(r, "lr", 1e-3);
        double[] betas = betas(r);
        double eps = nonNegative(r, "eps", 1e-8);
        double wd = nonNegative(r, "weight_decay", "adam".equals(type) ? 0 : 1e-2);
        boolean amsgrad = r.getBoolean("amsgrad", false);
        return "adam".equals(type)
            ? adam(lr, betas[0], betas[1], eps, wd, amsgrad)
            : adamw(lr, betas[0], betas[1], eps, wd, amsgrad);
      }
      case "sparse_adam" -> {
        r.rejectUnknown("type", "lr", "betas", "eps");
        double[] betas = betas(r);
        return sparseAdam(nonNegative(r, "lr", 1e-3), betas[0], betas[1], nonNegative(r, "eps", 1e-8));
      }
      case "ftrl" -> {
        r.rejectUnknown("type", "lr", "beta", "l1", "l2");
        double lr = r.getDouble("lr", 0.1, 0, true, Double.POSITIVE_INFINITY, true);
        return ftrl(lr, nonNegative(r, "beta", 1.0), nonNegative(r, "l1", 0), nonNegative(r, "l2", 0));
      }
      default -> throw new SpecException(r.key("type"), type, "allowed: one of " + TYPES);
    }
  }

  /** Parses an optimizer spec and creates it for {@code n} parameters. */
  public static Optimizer fromSpec(SpecReader r, int n) {
    return fromSpec(r).create(n);
  }

  private static double[] betas(SpecReader r) {
    double[] betas = r.getDoubleArray("betas", new double[] {0.9, 0.999});
    if (betas.length != 2) {
      throw new SpecException(r.key("betas"), r.raw("betas"), "allowed: two numbers [beta1, beta2] in [0, 1)");
    }
    for (int i = 0; i < 2; i++) {
      SpecReader.checkRange(r.key("betas") + "[" + i + "]", betas[i], 0, false, 1, true);
    }
    return betas;
  }

  private static double nonNegative(SpecReader r, String key, double dflt) {
    return r.getDouble(key, dflt, 0, false, Double.POSITIVE_INFINITY, true);
  }
}
