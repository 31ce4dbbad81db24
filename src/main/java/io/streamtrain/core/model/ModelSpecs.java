package io.streamtrain.core.model;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validator;
import io.streamtrain.core.config.Validators;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.Target;
import io.streamtrain.core.init.InitSpec;
import io.streamtrain.core.loss.RegressionLoss;
import java.util.List;

/**
 * Parses model specs from plain maps, validating everything once at the edge; the keys are declared once in
 * {@link #SPEC}. Keys:
 * <ul>
 *   <li>{@code type}: linear | logistic | softmax | mlp (required)
 *   <li>{@code features}: {@code {"dense": D, "sparse": S, "hash_bits": b}} (see {@link FeatureSpace}); for an
 *       mlp it defaults to {@code {"dense": layers[0]}}, otherwise it is required unless the caller supplies a
 *       dense width (the trace command infers it from the data)
 *   <li>{@code loss} (linear, or mlp with a linear head): squared | huber, default squared; {@code delta} for
 *       huber, default 1.0
 *   <li>{@code classes} (softmax): K &gt;= 2
 *   <li>{@code layers} (mlp): widths input..output, at least 2 entries; {@code activation}: relu | tanh | sigmoid |
 *       identity (default relu); {@code head}: linear | logistic | softmax (required; logistic and linear need a
 *       last width of 1, softmax at least 2); {@code batch_norm} (default false); {@code dropout} in [0, 1)
 *       (default 0)
 *   <li>{@code l1}, {@code l2}: penalty coefficients &gt;= 0 (default 0)
 *   <li>{@code init}: see {@link InitSpec}; {@code seed}: integer (default 0)
 * </ul>
 */
public final class ModelSpecs {
  public static final List<String> TYPES = List.of("linear", "logistic", "softmax", "mlp");

  /**
   * The {@code model} section's keys, each declared once (type, default, allowed values); which keys a model type
   * takes, and what they must agree on, is checked after parsing ({@link #fromSpec(SpecReader, int)}).
   */
  public static final ConfigDef SPEC = new ConfigDef();
  static final Key<String> TYPE = SPEC.define("type", Types.STRING, null, oneOf(TYPES), "");
  static final Key<Object> FEATURES = SPEC.optional("features", Types.ANY, "");
  static final Key<String> LOSS = SPEC.define("loss", Types.STRING, "squared", oneOf(RegressionLoss.NAMES), "");
  static final Key<Double> DELTA = SPEC.define("delta", Types.DOUBLE, 1.0,
      Validators.range(0.0, true, Double.MAX_VALUE, false), "");
  static final Key<Integer> CLASSES = SPEC.optional("classes", Types.INT, "");
  static final Key<Object> LAYERS = SPEC.optional("layers", Types.ANY, "");
  static final Key<String> ACTIVATION = SPEC.define("activation", Types.STRING, "relu", oneOf(Activation.NAMES), "");
  static final Key<String> HEAD = SPEC.define("head", Types.STRING, null, oneOf(Head.NAMES), "");
  static final Key<Boolean> BATCH_NORM = SPEC.define("batch_norm", Types.BOOLEAN, false, "");
  static final Key<Double> DROPOUT = SPEC.define("dropout", Types.DOUBLE, 0.0, Validators.range(0.0, false, 1.0, true),
      "");
  static final Key<Double> L1 = SPEC.define("l1", Types.DOUBLE, 0.0,
      Validators.range(0.0, false, Double.MAX_VALUE, false), "");
  static final Key<Double> L2 = SPEC.define("l2", Types.DOUBLE, 0.0,
      Validators.range(0.0, false, Double.MAX_VALUE, false), "");
  static final Key<Object> INIT = SPEC.optional("init", Types.ANY, "");
  static final Key<Long> SEED = SPEC.define("seed", Types.LONG, 0L, "");
  static final Key<Object> SCALING = SPEC.optional("scaling", Types.ANY, "");
  public static final List<String> KEYS = SPEC.names();

  private static Validator<String> oneOf(List<String> allowed) {
    return Validators.of(v -> v == null || allowed.contains(v), "one of " + allowed);
  }

  private ModelSpecs() {}

  public static ModelSpec fromSpec(SpecReader r) {
    return fromSpec(r, -1);
  }

  /**
   * Parses a model spec; when {@code features} is absent and {@code inferredDense > 0}, the feature space is
   * {@code inferredDense} dense values.
   */
  public static ModelSpec fromSpec(SpecReader r, int inferredDense) {
    ConfigValues v = SPEC.parse(r);
    String typeName = v.get(TYPE);
    if (typeName == null) {
      throw new SpecException(r.key("type"), "missing; allowed: one of " + TYPES);
    }
    ModelSpec.ModelType type = ModelSpec.ModelType.valueOf(typeName.toUpperCase(java.util.Locale.ROOT));
    double l1 = v.get(L1);
    double l2 = v.get(L2);
    long seed = v.get(SEED);

    if (type == ModelSpec.ModelType.MLP) {
      for (String k : List.of("classes")) {
        notFor(r, k, "mlp (use layers and head)");
      }
      int[] layers = r.getIntArray("layers", null);
      if (layers == null) {
        throw new SpecException(r.key("layers"), "missing; required for an mlp, e.g. [5, 8, 1]");
      }
      if (layers.length < 2) {
        throw new SpecException(r.key("layers"), java.util.Arrays.toString(layers),
            "allowed: at least 2 widths (input and output)");
      }
      for (int i = 0; i < layers.length; i++) {
        if (layers[i] < 1) {
          throw new SpecException(r.key("layers") + "[" + i + "]", layers[i], "allowed: an integer >= 1");
        }
      }
      Activation act = Activation.of(v.get(ACTIVATION));
      String headName = v.get(HEAD);
      if (headName == null) {
        throw new SpecException(r.key("head"), "missing; allowed: one of " + Head.NAMES);
      }
      Head head = Head.of(headName);
      int out = layers[layers.length - 1];
      if (head == Head.SOFTMAX && out < 2) {
        throw new SpecException(r.key("layers"), java.util.Arrays.toString(layers),
            "allowed: a softmax head needs a last width >= 2 (the number of classes)");
      }
      if (head != Head.SOFTMAX && out != 1) {
        throw new SpecException(r.key("layers"), java.util.Arrays.toString(layers),
            "allowed: a " + headName + " head needs a last width of 1");
      }
      if (head != Head.LINEAR) {
        notFor(r, "loss", "a " + headName + " head");
        notFor(r, "delta", "a " + headName + " head");
      }
      RegressionLoss loss = RegressionLoss.of(v.get(LOSS));
      double delta = parseDelta(r, v, loss);
      boolean bn = v.get(BATCH_NORM);
      double dropout = v.get(DROPOUT);
      FeatureSpace fs = r.has("features") ? FeatureSpace.fromSpec(r.child("features")) : FeatureSpace.dense(layers[0]);
      if (fs.inputDim() != layers[0]) {
        throw new SpecException(r.key("layers") + "[0]", layers[0],
            "allowed: the feature space's input width " + fs.inputDim() + " (" + fs + ")");
      }
      fs = withTarget(fs, head, out);
      InitSpec init = InitSpec.fromSpec(r.key("init"), r.raw("init"), InitSpec.torchDefault());
      return new ModelSpec(type, fs, layers, act, head, loss, delta, bn, dropout, l1, l2, init, seed,
          scaling(r, fs));
    }

    for (String k : List.of("layers", "activation", "head", "batch_norm", "dropout")) {
      notFor(r, k, "a " + typeName + " model (only for mlp)");
    }
    FeatureSpace fs;
    if (r.has("features")) {
      fs = FeatureSpace.fromSpec(r.child("features"));
    } else if (inferredDense > 0) {
      fs = FeatureSpace.dense(inferredDense);
    } else {
      throw new SpecException(r.key("features"), "missing; required, e.g. {\"dense\": 10} or {\"hash_bits\": 20}");
    }
    Head head;
    int out = 1;
    RegressionLoss loss = RegressionLoss.SQUARED;
    double delta = 1.0;
    switch (type) {
      case LINEAR:
        notFor(r, "classes", "a linear model");
        head = Head.LINEAR;
        loss = RegressionLoss.of(v.get(LOSS));
        delta = parseDelta(r, v, loss);
        break;
      case LOGISTIC:
        notFor(r, "classes", "a logistic model (binary; use softmax for K classes)");
        notFor(r, "loss", "a logistic model (log loss)");
        notFor(r, "delta", "a logistic model");
        head = Head.LOGISTIC;
        break;
      default:
        notFor(r, "loss", "a softmax model (cross-entropy)");
        notFor(r, "delta", "a softmax model");
        head = Head.SOFTMAX;
        if (!r.has("classes")) {
          throw new SpecException(r.key("classes"), "missing; required for softmax: the number of classes K >= 2");
        }
        out = Validators.intRange(2, 1 << 20).check(r.key("classes"), v.get(CLASSES));
        break;
    }
    fs = withTarget(fs, head, out);
    InitSpec init = InitSpec.fromSpec(r.key("init"), r.raw("init"), InitSpec.zeros());
    return new ModelSpec(type, fs, new int[] {fs.inputDim(), out}, Activation.IDENTITY, head, loss, delta, false,
        0.0, l1, l2, init, seed, scaling(r, fs));
  }

  /** The {@code scaling} section (null without one); it needs dense features. */
  private static InputScaling scaling(SpecReader r, FeatureSpace fs) {
    if (!r.has("scaling")) {
      return null;
    }
    if (fs.denseDim() == 0) {
      throw new SpecException(r.key("scaling"), "allowed only with dense features (features.dense > 0)");
    }
    return InputScaling.fromSpec(r.child("scaling"));
  }

  private static double parseDelta(SpecReader r, ConfigValues v, RegressionLoss loss) {
    if (loss != RegressionLoss.HUBER) {
      notFor(r, "delta", "the squared loss (only for huber)");
      return 1.0;
    }
    return v.get(DELTA);
  }

  private static FeatureSpace withTarget(FeatureSpace fs, Head head, int out) {
    switch (head) {
      case LOGISTIC:
        return fs.withTarget(Target.BINARY, 2);
      case SOFTMAX:
        return fs.withTarget(Target.CLASSES, out);
      default:
        return fs.withTarget(Target.REAL, 0);
    }
  }

  private static void notFor(SpecReader r, String key, String what) {
    if (r.has(key)) {
      throw new SpecException(r.key(key), "this key is not allowed for " + what);
    }
  }
}
