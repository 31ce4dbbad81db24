package io.streamtrain.core.eval;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
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

  /** The {@code label_delay} section's keys. */
  public static final ConfigDef SPEC = new ConfigDef();
  static final Key<Long> SAMPLES = SPEC.define("samples", Types.LONG, 0L,
      Validators.longAtLeast(0, "a number of samples >= 0"), "");
  static final Key<Long> MS = SPEC.define("ms", Types.LONG, 0L,
      Validators.longAtLeast(0, "milliseconds of event time >= 0"), "");

  public static LabelDelay fromSpec(SpecReader r) {
    return of(SPEC.parse(r));
  }

  public static LabelDelay of(ConfigValues v) {
    return new LabelDelay(v.get(SAMPLES), v.get(MS));
  }

  public static LabelDelay fromMap(String path, Map<String, ?> map) {
    return map == null ? NONE : fromSpec(new SpecReader(path, map));
  }
}
