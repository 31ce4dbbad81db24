package io.streamtrain.core.optim;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Type;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validator;
import io.streamtrain.core.config.Validators;

/**
 * A gradient clipping spec: {@link Norm} from {@code {type: norm, max_norm: 1.0, norm_type: p | inf}}
 * (torch.nn.utils.clip_grad_norm_) or {@link Value} from {@code {type: value, clip_value: 0.5}}
 * (clip_grad_value_). It becomes a transform once the parameter split is known ({@link #transform(int[])}),
 * because the global norm is the norm of the per-tensor norms.
 */
public sealed interface Clipping {
  /** torch's norm_type: any p > 0 (1, 2, 3, 1.5, ...) or infinity. */
  Validator<Double> NORM_TYPE = Validators.of(p -> p > 0, "a number p > 0 (1, 2, 3, ...) or \"inf\"");

  /**
   * Clipping by the global p-norm.
   *
   * @param maxNorm the threshold, > 0
   * @param normType any p > 0 (1, 2, 3, ...) or {@code Double.POSITIVE_INFINITY}
   */
  record Norm(double maxNorm, double normType) implements Clipping {
    public Norm {
      new ClipByGlobalNorm(maxNorm, normType, null); // validates
    }

    @Override
    public GradientTransform transform(int[] split) {
      return new ClipByGlobalNorm(maxNorm, normType, split);
    }
  }

  /** Clipping of every element into {@code [-clipValue, clipValue]}, {@code clipValue} > 0. */
  record Value(double clipValue) implements Clipping {
    public Value {
      new ClipByValue(clipValue); // validates
    }

    @Override
    public GradientTransform transform(int[] split) {
      return new ClipByValue(clipValue);
    }
  }

  /** The kinds, as {@code type} names them. */
  enum Kind { NORM, VALUE }

  static Clipping norm(double maxNorm, double normType) {
    return new Norm(maxNorm, normType);
  }

  static Clipping value(double clipValue) {
    return new Value(clipValue);
  }

  /** The transform for a vector split into tensors of the given sizes (null: one tensor). */
  GradientTransform transform(int[] split);

  /** Parses a clipping spec; errors name the key, the value and what is allowed. */
  static Clipping fromSpec(SpecReader r) {
    Kind kind = Spec.KIND.parse(r.key("type"), r.require("type"));
    if (kind == Kind.NORM) {
      ConfigValues v = Spec.NORM.parse(r);
      return norm(v.get(Spec.MAX_NORM), v.get(Spec.P));
    }
    return value(Spec.VALUE.parse(r).get(Spec.CLIP_VALUE));
  }

  /** The declarations of both kinds' keys. */
  final class Spec {
    private Spec() {}

    static final Type<Kind> KIND = Types.enumOf(Kind.class);
    /** A number or "inf"; anything else is reported against norm_type's allowed values. */
    private static final Type<Double> P_TYPE = (key, raw) -> {
      double p = raw instanceof Number n ? n.doubleValue()
          : "inf".equals(raw) || "Infinity".equals(raw) ? Double.POSITIVE_INFINITY : Double.NaN;
      if (!NORM_TYPE.accepts(p)) {
        throw new SpecException(key, raw, "allowed: " + NORM_TYPE.allowed()); // the value as written
      }
      return p;
    };

    public static final ConfigDef NORM = new ConfigDef();
    static final Key<Kind> NORM_KIND = NORM.required("type", KIND, "norm");
    static final Key<Double> MAX_NORM = NORM.required("max_norm", Types.DOUBLE, Validators.above(0), "");
    static final Key<Double> P = NORM.define("norm_type", P_TYPE, 2.0, NORM_TYPE, "");

    public static final ConfigDef VALUE = new ConfigDef();
    static final Key<Kind> VALUE_KIND = VALUE.required("type", KIND, "value");
    static final Key<Double> CLIP_VALUE = VALUE.required("clip_value", Types.DOUBLE, Validators.above(0), "");
  }
}
