package io.streamtrain.core.metric;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import java.util.Map;

/**
 * How a replay measures: the sliding-window length in samples ({@code window}, default 1000), the fading factor
 * ({@code fading_alpha} in (0, 1], default 0.999, i.e. an effective memory of about 1000 samples), the decision
 * threshold of precision and recall ({@code threshold} in [0, 1], default 0.5), and how often a point of the
 * curve is reported ({@code report_every} samples scored, default 1000).
 */
public record MetricsSpec(int window, double fadingAlpha, double threshold, long reportEvery)
    implements java.io.Serializable {
  public static final MetricsSpec DEFAULT = new MetricsSpec(1000, 0.999, 0.5, 1000);

  /** The {@code metrics} section's keys. */
  public static final ConfigDef SPEC = new ConfigDef();
  static final Key<Integer> WINDOW = SPEC.define("window", Types.INT, DEFAULT.window(),
      Validators.intRange(1, 10_000_000), "");
  static final Key<Double> FADING_ALPHA = SPEC.define("fading_alpha", Types.DOUBLE, DEFAULT.fadingAlpha(),
      Validators.range(0.0, true, 1.0, false), "");
  static final Key<Double> THRESHOLD = SPEC.define("threshold", Types.DOUBLE, DEFAULT.threshold(),
      Validators.range(0.0, false, 1.0, false), "");
  static final Key<Long> REPORT_EVERY = SPEC.define("report_every", Types.LONG, DEFAULT.reportEvery(),
      Validators.longAtLeast(1, "a number of samples >= 1"), "");

  public static MetricsSpec fromSpec(SpecReader r) {
    return of(SPEC.parse(r));
  }

  public static MetricsSpec of(ConfigValues v) {
    return new MetricsSpec(v.get(WINDOW), v.get(FADING_ALPHA), v.get(THRESHOLD), v.get(REPORT_EVERY));
  }

  public static MetricsSpec fromMap(String path, Map<String, ?> map) {
    return map == null ? DEFAULT : fromSpec(new SpecReader(path, map));
  }
}
