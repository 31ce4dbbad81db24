package io.streamtrain.core.model;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;

/**
 * Online standardization of a model's dense features ({@code model.scaling}): per feature a running mean and
 * variance (Welford 1962; with a decay, West 1979's weighted update with the earlier weights multiplied by
 * {@code decay} at each sample), kept in the model's buffers as one group {@code input_scaling [1 + 2d]}: the
 * (weighted) count, the d means, the d sums of squared deviations. Each dense value enters the model as
 * (x - mean) / sqrt(var), var = m2 / count (1 when var is 0; unchanged while the count is 0). The trainer folds
 * each batch into the statistics before the step (so the first batch is already scaled by its own figures), and
 * evaluation, replay and serving read them from the buffers, which checkpoints and snapshots carry.
 *
 * <ul>
 *   <li>{@code running}: every sample, forever (the population figures of everything seen);
 *   <li>{@code frozen}: the first {@code freeze_after} samples (default 10000), then fixed;
 *   <li>{@code decaying}: every sample, earlier ones weighted by {@code decay}^age (default 0.9999).
 * </ul>
 */
public record InputScaling(Mode mode, long freezeAfter, double decay) implements java.io.Serializable {
  public enum Mode { RUNNING, FROZEN, DECAYING }

  /** The {@code scaling} section's keys. */
  static final class Spec {
    private Spec() {}

    static final ConfigDef SCALING = new ConfigDef();
    static final Key<Mode> MODE = SCALING.define("mode", Types.enumOf(Mode.class), Mode.RUNNING, "");
    static final Key<Long> FREEZE_AFTER = SCALING.define("freeze_after", Types.LONG, 10_000L,
        Validators.longAtLeast(1), "");
    static final Key<Double> DECAY = SCALING.define("decay", Types.DOUBLE, 0.9999,
        Validators.range(0.0, true, 1.0, true), "");
  }

  public static InputScaling fromSpec(SpecReader r) {
    ConfigValues v = Spec.SCALING.parse(r);
    Mode mode = v.get(Spec.MODE);
    if (mode != Mode.FROZEN && v.has(Spec.FREEZE_AFTER)) {
      throw new SpecException(v.path(Spec.FREEZE_AFTER), "allowed only with mode: frozen");
    }
    if (mode != Mode.DECAYING && v.has(Spec.DECAY)) {
      throw new SpecException(v.path(Spec.DECAY), "allowed only with mode: decaying");
    }
    return new InputScaling(mode, v.get(Spec.FREEZE_AFTER), v.get(Spec.DECAY));
  }

  /** Buffer values of the group for d dense features. */
  public static int size(int d) {
    return 1 + 2 * d;
  }

  /** Folds the n rows of {@code x} (row-major, d per row) into the statistics at {@code buffers[off...]}. */
  public void observe(double[] x, int n, int d, double[] buffers, int off) {
    for (int i = 0; i < n; i++) {
      double count = buffers[off];
      if (mode == Mode.FROZEN && count >= freezeAfter) {
        return;
      }
      double c = mode == Mode.DECAYING ? decay * count + 1.0 : count + 1.0;
      buffers[off] = c;
      for (int j = 0; j < d; j++) {
        int mi = off + 1 + j;
        int si = off + 1 + d + j;
        double v = x[i * d + j];
        double delta = v - buffers[mi];
        buffers[mi] += delta / c;
        double m2 = mode == Mode.DECAYING ? decay * buffers[si] : buffers[si];
        buffers[si] = m2 + delta * (v - buffers[mi]);
      }
    }
  }

  /** (x - mean) / sqrt(var) of the n rows of {@code x} into {@code out}, with the statistics at {@code off}. */
  public static void apply(double[] x, int n, int d, double[] buffers, int off, double[] out) {
    for (int j = 0; j < d; j++) {
      double mean = mean(buffers, off, d, j);
      double inv = inverseDeviation(buffers, off, d, j);
      for (int i = 0; i < n; i++) {
        out[i * d + j] = (x[i * d + j] - mean) * inv;
      }
    }
  }

  /** The mean feature {@code j} is shifted by (0 before any sample), from the statistics at {@code off}. */
  public static double mean(double[] buffers, int off, int d, int j) {
    return buffers[off] > 0 ? buffers[off + 1 + j] : 0.0;
  }

  /** The factor 1 / sqrt(var) feature {@code j} is scaled by after the shift (1 while var is 0 or unknown). */
  public static double inverseDeviation(double[] buffers, int off, int d, int j) {
    double count = buffers[off];
    double var = count > 0 ? buffers[off + 1 + d + j] / count : 0.0;
    return var > 0 ? 1.0 / Math.sqrt(var) : 1.0;
  }
}
