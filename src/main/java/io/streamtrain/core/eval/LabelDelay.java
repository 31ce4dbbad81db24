package io.streamtrain.core.eval;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import java.util.Map;

/**
 * When a sample's label becomes known, for delayed progressive validation (River's
 * {@code progressive_val_score(delay=...)}; Grzenda, Gomes and Bifet, "Delayed labelling evaluation for data
 * streams", Data Mining and Knowledge Discovery 34, 2020): the model predicts a sample when it arrives, but is
 * scored and trained on it only once {@code samples} later samples have arrived and the stream's event time has
 * passed the sample's own by {@code ms}. Both 0 (the default) is plain test-then-train. Keys {@code samples} and
 * {@code ms}.
 */
public record LabelDelay(long samples, long ms) implements java.io.Serializable {
  public static final LabelDelay NONE = new LabelDelay(0, 0);

  public LabelDelay {
    if (samples < 0 || ms < 0) {
      throw new IllegalArgumentException("label delay must be >= 0, got samples=" + samples + ", ms=" + ms);
    }
  }

  public boolean none() {
    return samples == 0 && ms == 0;
  }

  public static LabelDelay fromSpec(SpecReader r) {
    r.rejectUnknown("samples", "ms");
    long s = r.getLong("samples", 0);
    long ms = r.getLong("ms", 0);
    if (s < 0) {
      throw new SpecException(r.key("samples"), s, "allowed: a number of samples >= 0");
    }
    if (ms < 0) {
      throw new SpecException(r.key("ms"), ms, "allowed: milliseconds of event time >= 0");
    }
    return new LabelDelay(s, ms);
  }

  public static LabelDelay fromMap(String path, Map<String, ?> map) {
    return map == null ? NONE : fromSpec(new SpecReader(path, map));
  }
}
