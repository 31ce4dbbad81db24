package io.streamtrain.core.metric;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
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

  public static MetricsSpec fromSpec(SpecReader r) {
    r.rejectUnknown("window", "fading_alpha", "threshold", "report_every");
    int window = r.getInt("window", 1000, 1, 10_000_000);
    double alpha = r.getDouble("fading_alpha", 0.999, 0.0, true, 1.0, false);
    double threshold = r.getDouble("threshold", 0.5, 0.0, false, 1.0, false);
    long every = r.getLong("report_every", 1000);
    if (every < 1) {
      throw new SpecException(r.key("report_every"), every, "allowed: a number of samples >= 1");
    }
    return new MetricsSpec(window, alpha, threshold, every);
  }

  public static MetricsSpec fromMap(String path, Map<String, ?> map) {
    return map == null ? DEFAULT : fromSpec(new SpecReader(path, map));
  }
}
