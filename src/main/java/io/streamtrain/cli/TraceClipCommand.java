package io.streamtrain.cli;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Type;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.optim.Chain;
import io.streamtrain.core.optim.ChainState;
import io.streamtrain.core.optim.ClipByGlobalNorm;
import io.streamtrain.core.optim.Clipping;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * {@code streamtrain trace clip --spec FILE.json}: clips each given gradient vector independently and prints
 * the clipped vectors and the pre-clip total norms, for comparison with torch.nn.utils.clip_grad_norm_ /
 * clip_grad_value_. Spec keys: {@code clip} (see {@link Clipping}), {@code gradients} (vectors), optional
 * {@code param_split} (tensor sizes, default one tensor). {@code total_norm} is the norm of type {@code
 * norm_type} for norm clipping and the 2-norm for value clipping; a non-finite total norm leaves that vector
 * unscaled and is printed as "NaN" or "Infinity".
 */
@Command(
    name = "clip",
    mixinStandardHelpOptions = true,
    description = "Trace gradient clipping: clipped gradients and pre-clip total norms, as JSON.")
public final class TraceClipCommand extends JsonTraceCommand {
  static final ConfigDef SPEC = new ConfigDef();
  static final Type<Clipping> CLIPPING = Types.reader(Clipping::fromSpec);
  static final String CLIP_DOC = "`{type: norm, max_norm, norm_type}` or `{type: value, clip_value}`";
  static final Key<Clipping> CLIP = SPEC.required("clip", CLIPPING, CLIP_DOC);
  static final Key<int[]> PARAM_SPLIT = SPEC.optional("param_split", Types.INTS,
      "tensor sizes summing to the vector length; absent: one tensor");
  static final Key<double[][]> GRADIENTS = SPEC.required("gradients", Types.DOUBLE_MATRIX,
      "gradient vectors of one length, each clipped on its own");

  @Override
  Map<String, Object> result(SpecReader r) {
    return trace(r);
  }

  public static Map<String, Object> trace(SpecReader r) {
    ConfigValues v = SPEC.parse(r);
    Clipping clipping = v.get(CLIP);
    double[][] grads = v.get(GRADIENTS);
    int n = grads.length == 0 ? 0 : grads[0].length;
    for (int i = 0; i < grads.length; i++) {
      if (grads[i].length != n) {
        throw new SpecException(
            v.path(GRADIENTS) + "[" + i + "]",
            "has " + grads[i].length + " elements; allowed: as many as gradients[0] (" + n + ")");
      }
    }
    int[] split = split(v, n);
    Chain chain = new Chain(List.of(clipping.transform(split)));
    double normType = clipping instanceof Clipping.Norm norm ? norm.normType() : 2.0;
    List<double[]> out = new ArrayList<>();
    List<Double> norms = new ArrayList<>();
    for (double[] g0 : grads) {
      double[] g = g0.clone();
      ChainState st = chain.init(n);
      Chain.update(g, st, null);
      ClipByGlobalNorm.State cs = st.find(ClipByGlobalNorm.State.class);
      norms.add(cs != null ? cs.totalNorm() : ClipByGlobalNorm.totalNorm(g0, split, normType));
      out.add(g);
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("gradients", out);
    result.put("total_norm", norms);
    return result;
  }

  /** The {@code param_split} key: non-negative sizes summing to {@code n}; one tensor when absent. */
  static int[] split(ConfigValues v, int n) {
    int[] split = v.get(PARAM_SPLIT);
    if (split == null) {
      return new int[] {n};
    }
    long sum = 0;
    for (int i = 0; i < split.length; i++) {
      if (split[i] < 0) {
        throw new SpecException(v.path(PARAM_SPLIT) + "[" + i + "]", split[i], "allowed: a size >= 0");
      }
      sum += split[i];
    }
    if (sum != n) {
      throw new SpecException(
          v.path(PARAM_SPLIT),
          v.raw(PARAM_SPLIT),
          "allowed: tensor sizes summing to the vector length " + n + " (they sum to " + sum + ")");
    }
    return split;
  }
}
