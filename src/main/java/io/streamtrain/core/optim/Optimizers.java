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
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigTable;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The torch.optim presets as transform chains, and their parsing from specs with torch's names and defaults
 * (torch 1.13), each type's keys declared once in {@code Spec}: {@code sgd} (lr required, as torch 1.13 requires
 * it), {@code adagrad}, {@code rmsprop}, {@code adam} (weight_decay as coupled L2) and {@code adamw} (decoupled
 * weight_decay); and for sparse models {@code sparse_adam} (torch.optim.SparseAdam) and {@code ftrl}
 * (FTRL-Proximal, lr = alpha); for linear models {@code nag} (normalized adaptive updates, {@link Nag}).
 * Validation follows torch's constructors (lr, eps, weight_decay, momentum >= 0;
 * 0 <= betas < 1; nesterov needs momentum > 0 and dampening 0) and also rejects non-finite values and unknown keys.
 */
public final class Optimizers {
  public static final List<String> TYPES = List.of("sgd", "adagrad", "rmsprop", "adam", "adamw", "sparse_adam", "ftrl",
      "nag");

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

  /**
   * Normalized adaptive gradient descent (Ross, Mineiro and Langford 2013) for linear, logistic and softmax
   * models: per-coordinate steps invariant to the scale of each input; see {@link Nag}.
   */
  public static OptimizerSpec nag(double lr) {
    return new OptimizerSpec("nag", chain(new Nag(lr)), null);
  }

  /** The keys of each optimizer type, with torch's defaults. */
  static final class Spec {
    private Spec() {}

    static final Validators.Range NON_NEGATIVE = Validators.atLeast(0);


    static Key<Double> number(ConfigDef d, String name, double dflt) {
      return d.define(name, Types.DOUBLE, dflt, NON_NEGATIVE, "");
    }

    static Key<double[]> betas(ConfigDef d) {
      return d.define("betas", Types.DOUBLES, new double[] {0.9, 0.999}, "[0.9, 0.999]", Validators.any(), "");
    }

    static final ConfigDef SGD = ConfigDef.withType(true);
    static final Key<Double> SGD_LR = SGD.required("lr", Types.DOUBLE, NON_NEGATIVE, "");
    static final Key<Double> SGD_MOMENTUM = number(SGD, "momentum", 0);
    static final Key<Double> DAMPENING = SGD.define("dampening", Types.DOUBLE, 0.0, Validators.finite(), "");
    static final Key<Boolean> NESTEROV = SGD.define("nesterov", Types.BOOLEAN, false, "");
    static final Key<Double> SGD_WD = number(SGD, "weight_decay", 0);

    static final ConfigDef ADAGRAD = ConfigDef.withType(true);
    static final Key<Double> ADAGRAD_LR = number(ADAGRAD, "lr", 1e-2);
    static final Key<Double> LR_DECAY = number(ADAGRAD, "lr_decay", 0);
    static final Key<Double> ADAGRAD_WD = number(ADAGRAD, "weight_decay", 0);
    static final Key<Double> INITIAL_ACC = number(ADAGRAD, "initial_accumulator_value", 0);
    static final Key<Double> ADAGRAD_EPS = number(ADAGRAD, "eps", 1e-10);

    static final ConfigDef RMSPROP = ConfigDef.withType(true);
    static final Key<Double> RMS_LR = number(RMSPROP, "lr", 1e-2);
    static final Key<Double> ALPHA = number(RMSPROP, "alpha", 0.99);
    static final Key<Double> RMS_EPS = number(RMSPROP, "eps", 1e-8);
    static final Key<Double> RMS_WD = number(RMSPROP, "weight_decay", 0);
    static final Key<Double> RMS_MOMENTUM = number(RMSPROP, "momentum", 0);
    static final Key<Boolean> CENTERED = RMSPROP.define("centered", Types.BOOLEAN, false, "");

    /** Adam's and AdamW's keys: the same names and defaults but weight_decay's. */
    record AdamKeys(ConfigDef def, Key<Double> lr, Key<double[]> betas, Key<Double> eps, Key<Double> weightDecay,
        Key<Boolean> amsgrad) {
      static AdamKeys of(double weightDecay) {
        ConfigDef d = ConfigDef.withType(true);
        return new AdamKeys(d, number(d, "lr", 1e-3), Spec.betas(d), number(d, "eps", 1e-8),
            number(d, "weight_decay", weightDecay), d.define("amsgrad", Types.BOOLEAN, false, ""));
      }
    }

    static final AdamKeys ADAM = AdamKeys.of(0);
    static final AdamKeys ADAMW = AdamKeys.of(1e-2);

    static final ConfigDef SPARSE_ADAM = ConfigDef.withType(true);
    static final Key<Double> SPARSE_LR = number(SPARSE_ADAM, "lr", 1e-3);
    static final Key<double[]> SPARSE_BETAS = betas(SPARSE_ADAM);
    static final Key<Double> SPARSE_EPS = number(SPARSE_ADAM, "eps", 1e-8);

    static final ConfigDef FTRL = ConfigDef.withType(true);
    static final Key<Double> FTRL_LR = FTRL.define("lr", Types.DOUBLE, 0.1, Validators.above(0), "");
    static final Key<Double> FTRL_BETA = number(FTRL, "beta", 1.0);
    static final Key<Double> L1 = number(FTRL, "l1", 0);
    static final Key<Double> L2 = number(FTRL, "l2", 0);

    static final ConfigDef NAG = ConfigDef.withType(true);
    static final Key<Double> NAG_LR = NAG.define("lr", Types.DOUBLE, 0.5, Validators.above(0), "");

    static final Map<String, ConfigDef> BY_TYPE = Map.of("sgd", SGD, "adagrad", ADAGRAD, "rmsprop", RMSPROP,
        "adam", ADAM.def(), "adamw", ADAMW.def(), "sparse_adam", SPARSE_ADAM, "ftrl", FTRL, "nag", NAG);
  }

  /** Each type's keys and defaults, for the docs: {@code `sgd`: `lr` (required), `momentum` (0), ...}. */
  public static String keysDoc() {
    List<String> types = new ArrayList<>();
    for (String type : TYPES) {
      types.add("`" + type + "`: " + ConfigTable.inline(Spec.BY_TYPE.get(type), "type"));
    }
    return String.join("; ", types);
  }

  /** Parses {@code {"type": "adam", "lr": ..., ...}}; see the class comment for names and defaults. */
  public static OptimizerSpec fromSpec(SpecReader r) {
    String type = r.requireString("type");
    switch (type) {
      case "sgd" -> {
        if (!r.has(Spec.SGD_LR.name())) {
          r.rejectUnknown(Spec.SGD.names());
          throw new SpecException(
              r.key("lr"), "missing; it is required for sgd (torch 1.13's SGD has no default lr)");
        }
        ConfigValues v = Spec.SGD.parse(r);
        double momentum = v.get(Spec.SGD_MOMENTUM);
        double dampening = v.get(Spec.DAMPENING);
        boolean nesterov = v.get(Spec.NESTEROV);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
          throw new SpecException(
              v.path(Spec.NESTEROV),
              true,
              "allowed only with momentum > 0 and dampening 0 (got momentum " + momentum + ", dampening "
                  + dampening + ")");
        }
        return sgd(v.get(Spec.SGD_LR), momentum, dampening, nesterov, v.get(Spec.SGD_WD));
      }
      case "adagrad" -> {
        ConfigValues v = Spec.ADAGRAD.parse(r);
        return adagrad(v.get(Spec.ADAGRAD_LR), v.get(Spec.LR_DECAY), v.get(Spec.ADAGRAD_WD),
            v.get(Spec.INITIAL_ACC), v.get(Spec.ADAGRAD_EPS));
      }
      case "rmsprop" -> {
        ConfigValues v = Spec.RMSPROP.parse(r);
        return rmsprop(v.get(Spec.RMS_LR), v.get(Spec.ALPHA), v.get(Spec.RMS_EPS), v.get(Spec.RMS_WD),
            v.get(Spec.RMS_MOMENTUM), v.get(Spec.CENTERED));
      }
      case "adam", "adamw" -> {
        Spec.AdamKeys k = type.equals("adam") ? Spec.ADAM : Spec.ADAMW;
        ConfigValues v = k.def().parse(r);
        double[] betas = betas(v, k.betas());
        double lr = v.get(k.lr());
        double eps = v.get(k.eps());
        double wd = v.get(k.weightDecay());
        boolean amsgrad = v.get(k.amsgrad());
        return type.equals("adam") ? adam(lr, betas[0], betas[1], eps, wd, amsgrad)
            : adamw(lr, betas[0], betas[1], eps, wd, amsgrad);
      }
      case "sparse_adam" -> {
        ConfigValues v = Spec.SPARSE_ADAM.parse(r);
        double[] betas = betas(v, Spec.SPARSE_BETAS);
        return sparseAdam(v.get(Spec.SPARSE_LR), betas[0], betas[1], v.get(Spec.SPARSE_EPS));
      }
      case "ftrl" -> {
        ConfigValues v = Spec.FTRL.parse(r);
        return ftrl(v.get(Spec.FTRL_LR), v.get(Spec.FTRL_BETA), v.get(Spec.L1), v.get(Spec.L2));
      }
      case "nag" -> {
        ConfigValues v = Spec.NAG.parse(r);
        return nag(v.get(Spec.NAG_LR));
      }
      default -> throw new SpecException(r.key("type"), type, "allowed: one of " + TYPES);
    }
  }

  /** Parses an optimizer spec and creates it for {@code n} parameters. */
  public static Optimizer fromSpec(SpecReader r, int n) {
    return fromSpec(r).create(n);
  }

  private static double[] betas(ConfigValues v, Key<double[]> key) {
    double[] betas = v.get(key);
    if (betas.length != 2) {
      throw new SpecException(v.path(key), v.raw(key), "allowed: two numbers [beta1, beta2] in [0, 1)");
    }
    for (int i = 0; i < 2; i++) {
      SpecReader.checkRange(v.path(key) + "[" + i + "]", betas[i], 0, false, 1, true);
    }
    return betas;
  }
}
