package io.streamtrain.core.model;

import io.streamtrain.core.SpecException;
import java.util.Arrays;

/**
 * Warm start: initialize a model from an existing parameter (or buffer) vector with its layout, e.g. a published
 * snapshot or a supervised pretraining run. Every group of the target layout must exist in the source under the
 * same name with the same shape (the source may hold them at other offsets, in another order); anything else is
 * an error naming the group, both shapes and the key the caller passes, because silently training a partly
 * initialized model is worse than refusing to start. Extra source groups are an error too unless allowed.
 */
public final class WarmStart {
  private WarmStart() {}

  /**
   * Copies each group of {@code to} from the same-named group of {@code from}.
   *
   * @param key the spec key to name in errors (e.g. {@code model.warm_start})
   * @param allowExtra whether groups of {@code from} that {@code to} lacks are ignored instead of rejected
   */
  public static void copy(
      String key, ParamLayout from, double[] src, ParamLayout to, double[] dst, boolean allowExtra) {
    if (src.length < from.size()) {
      throw new SpecException(key, "the source vector has " + src.length + " values but its layout needs "
          + from.size());
    }
    for (ParamGroup g : to.groups()) {
      ParamGroup s = from.group(g.name());
      if (s == null) {
        throw new SpecException(key, "has no group \"" + g.name() + "\" (shape " + Arrays.toString(g.shape())
            + "); the source has " + names(from));
      }
      if (!Arrays.equals(s.shape(), g.shape())) {
        throw new SpecException(key, "group \"" + g.name() + "\" has shape " + Arrays.toString(s.shape())
            + " but the model needs " + Arrays.toString(g.shape()));
      }
      System.arraycopy(src, s.offset(), dst, g.offset(), g.size());
    }
    if (!allowExtra) {
      for (ParamGroup s : from.groups()) {
        if (to.group(s.name()) == null) {
          throw new SpecException(key, "has group \"" + s.name() + "\" that the model does not have; the model has "
              + names(to));
        }
      }
    }
  }

  private static String names(ParamLayout l) {
    StringBuilder sb = new StringBuilder("[");
    for (ParamGroup g : l.groups()) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append(g.name()).append(Arrays.toString(g.shape()));
    }
    return sb.append(']').toString();
  }
}
