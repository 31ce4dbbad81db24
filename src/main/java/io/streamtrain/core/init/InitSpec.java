package io.streamtrain.core.init;

import io.streamtrain.core.SpecReader;

/**
 * How a model's parameters start: one {@link Initializer} for weight matrices and one for biases (batch-norm
 * scale and shift always start at 1 and 0, as in torch). Spec forms: {@code "xavier_uniform"} (weights; biases
 * zeros), or {@code {"weights": "kaiming_normal" | {...}, "bias": "zeros" | {...}}}. The default is zeros for
 * linear, logistic and softmax models and torch_default (nn.Linear's own initialization) for MLPs.
 */
public record InitSpec(Initializer weights, Initializer bias) {

  public static InitSpec zeros() {
    return new InitSpec(Initializer.zeros(), Initializer.zeros());
  }

  public static InitSpec torchDefault() {
    return new InitSpec(Initializer.torchDefault(), Initializer.torchDefault());
  }

  /** Parses the value of an {@code init} key; {@code dflt} applies when it is absent (null). */
  public static InitSpec fromSpec(String key, Object spec, InitSpec dflt) {
    if (spec == null) {
      return dflt;
    }
    if (spec instanceof String s) {
      Initializer w = Initializer.fromSpec(key, s, false);
      Initializer b = w.kind() == Initializer.Kind.TORCH_DEFAULT ? Initializer.torchDefault() : Initializer.zeros();
      return new InitSpec(w, b);
    }
    SpecReader r = SpecReader.asReader(key, spec);
    r.rejectUnknown("weights", "bias");
    Initializer w = r.has("weights") ? Initializer.fromSpec(r.key("weights"), r.raw("weights"), false) : dflt.weights;
    Initializer b = r.has("bias") ? Initializer.fromSpec(r.key("bias"), r.raw("bias"), true) : dflt.bias;
    return new InitSpec(w, b);
  }
}
