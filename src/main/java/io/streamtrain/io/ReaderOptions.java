package io.streamtrain.io;

import io.streamtrain.core.SpecException;
import java.util.List;
import java.util.Locale;

/**
 * Options shared by the file readers. Event times are deterministic by default: {@code startTime + i *
 * timeStepMs} for the i-th well-formed sample (0-based), so producing the same file twice yields the same stream;
 * a CSV time column overrides them. Defaults: model id "default", start 2026-01-01T00:00:00Z, step 1 ms, label
 * type auto, missing values rejected.
 */
public record ReaderOptions(
    String modelId, long startTime, long timeStepMs, LabelType labelType, MissingPolicy missing) {

  /** 2026-01-01T00:00:00Z in epoch milliseconds. */
  public static final long DEFAULT_START_TIME = 1_767_225_600_000L;

  /**
   * What a CSV reader does with a missing numeric value (an empty cell or one of NA, N/A, NaN, null, ?):
   * {@code reject} reports the line as malformed (the default, nothing is invented); {@code zero} writes 0.0;
   * {@code mean} writes the running mean of that column over the earlier well-formed rows (0.0 before any), which
   * needs no second pass and never looks ahead. A missing label is always malformed; a missing categorical value
   * leaves the field out of the sample.
   */
  public enum MissingPolicy {
    REJECT,
    ZERO,
    MEAN;

    public static MissingPolicy parse(String s) {
      for (MissingPolicy p : values()) {
        if (p.name().equalsIgnoreCase(s)) {
          return p;
        }
      }
      throw new SpecException("--missing", s, "allowed: " + List.of("reject", "zero", "mean"));
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public ReaderOptions {
    if (modelId == null || modelId.isEmpty()) {
      throw new SpecException("--model-id", modelId, "allowed: a non-empty string");
    }
    if (timeStepMs < 0) {
      throw new SpecException("--time-step-ms", timeStepMs, "allowed: an integer >= 0");
    }
  }

  public static ReaderOptions defaults() {
    return new ReaderOptions("default", DEFAULT_START_TIME, 1, LabelType.AUTO, MissingPolicy.REJECT);
  }

  public ReaderOptions withModelId(String id) {
    return new ReaderOptions(id, startTime, timeStepMs, labelType, missing);
  }

  public ReaderOptions withLabelType(LabelType t) {
    return new ReaderOptions(modelId, startTime, timeStepMs, t, missing);
  }

  public ReaderOptions withMissing(MissingPolicy m) {
    return new ReaderOptions(modelId, startTime, timeStepMs, labelType, m);
  }

  public ReaderOptions withTime(long start, long step) {
    return new ReaderOptions(modelId, start, step, labelType, missing);
  }
}
