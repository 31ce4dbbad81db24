package io.streamtrain.core.optim;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import java.util.List;

/**
 * A gradient clipping spec, parsed from {@code {"type": "norm", "max_norm": 1.0, "norm_type": p | "inf"}}
 * (torch.nn.utils.clip_grad_norm_) or {@code {"type": "value", "clip_value": 0.5}} (clip_grad_value_). It
 * becomes a transform once the parameter split is known ({@link #transform(int[])}), because the global norm
 * is the norm of the per-tensor norms.
 *
 * @param type "norm" or "value"
 * @param maxNorm for "norm": the threshold, > 0 (NaN for "value")
 * @param normType for "norm": any p > 0 (1, 2, 3, ...) or {@code Double.POSITIVE_INFINITY}
 * @param clipValue for "value": the bound, > 0 (NaN for "norm")
 */
public record Clipping(String type, double maxNorm, double normType, double clipValue) {
  public static final List<String> TYPES = List.of("norm", "value");

  public static Clipping norm(double maxNorm, double normType) {
    new ClipByGlobalNorm(maxNorm, normType); // validates
    return new Clipping("norm", maxNorm, normType, Double.NaN);
  }

  public static Clipping value(double clipValue) {
    new ClipByValue(clipValue); // validates
    return new Clipping("value", Double.NaN, Double.NaN, clipValue);
  }

  /** Parses a clipping spec; errors name the key, the value and what is allowed. */
  public static Clipping fromSpec(SpecReader r) {
    String type = r.requireString("type");
    switch (type) {
      case "norm" -> {
        r.rejectUnknown("type", "max_norm", "norm_type");
        double maxNorm = r.requireDouble("max_norm");
        SpecReader.checkRange(r.key("max_norm"), maxNorm, 0, true, Double.POSITIVE_INFINITY, true);
        return norm(maxNorm, parseNormType(r));
      }
      case "value" -> {
        r.rejectUnknown("type", "clip_value");
        double c = r.requireDouble("clip_value");
        SpecReader.checkRange(r.key("clip_value"), c, 0, true, Double.POSITIVE_INFINITY, true);
        return value(c);
      }
      default -> throw new SpecException(r.key("type"), type, "allowed: one of " + TYPES);
    }
  }

  private static double parseNormType(SpecReader r) {
    if (!r.has("norm_type")) {
      return 2.0;
    }
    Object v = r.raw("norm_type");
    double d;
    if (v instanceof Number num) {
      d = num.doubleValue();
    } else if ("inf".equals(v) || "Infinity".equals(v)) {
      d = Double.POSITIVE_INFINITY;
    } else {
      d = Double.NaN;
    }
    if (!(d > 0)) {
      throw new SpecException(r.key("norm_type"), v, "allowed: a number p > 0 (1, 2, 3, ...) or \"inf\"");
    }
    return d;
  }

  /** The transform for a vector split into tensors of the given sizes (null: one tensor). */
  public GradientTransform transform(int[] split) {
    return "norm".equals(type) ? new ClipByGlobalNorm(maxNorm, normType, split) : new ClipByValue(clipValue);
  }
}
