package io.streamtrain.core.data;

import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.RejectReason;

/** Whether an example fits a feature space: the checks a sample passes before it may reach a model. */
public final class Validation {
  private Validation() {}

  /**
   * The first check {@code e} fails against {@code space}, or {@link RejectReason#OK}. Order: weight, label finite, label range, any
   * feature present, dense length, sparse indices, named fields allowed and well formed, finite values.
   */
  public static RejectReason check(FeatureSpace space, Example e) {
    double w = e.weight();
    if (!(w >= 0.0) || w == Double.POSITIVE_INFINITY) {
      return RejectReason.INVALID_WEIGHT;
    }
    double y = e.label();
    if (!Double.isFinite(y)) {
      return RejectReason.NON_FINITE_LABEL;
    }
    switch (space.target()) {
      case BINARY:
        if (y != 0.0 && y != 1.0) {
          return RejectReason.LABEL_OUT_OF_RANGE;
        }
        break;
      case CLASSES:
        if (y != Math.rint(y) || y < 0 || y >= space.classes()) {
          return RejectReason.LABEL_OUT_OF_RANGE;
        }
        break;
      default:
        break;
    }
    if (e.hasNoFeatures()) {
      return RejectReason.EMPTY_FEATURES;
    }
    if (e.denseLength() != space.denseDim()) {
      return RejectReason.DENSE_LENGTH_MISMATCH;
    }
    int ns = e.sparseLength();
    for (int i = 0; i < ns; i++) {
      int idx = e.sparseIndex(i);
      if (idx < 0 || idx >= space.sparseDim()) {
        return RejectReason.SPARSE_INDEX_OUT_OF_RANGE;
      }
    }
    int nc = e.categoricalLength();
    int nn = e.numericLength();
    if ((nc > 0 || nn > 0) && space.hashBits() == 0) {
      return RejectReason.NAMED_FIELDS_NOT_ACCEPTED;
    }
    if (e.hashedLength() > 0 && e.hashedBits() != space.hashBits()) {
      // Fields hashed for another width (a sample validated under another configuration).
      return RejectReason.NAMED_FIELDS_NOT_ACCEPTED;
    }
    for (int i = 0; i < nc; i++) {
      if (e.categoricalName(i) == null || e.categoricalValue(i) == null) {
        return RejectReason.MALFORMED_FIELD;
      }
    }
    for (int i = 0; i < nn; i++) {
      if (e.numericName(i) == null) {
        return RejectReason.MALFORMED_FIELD;
      }
    }
    // Non-finite values first; magnitudes beyond FeatureSpace.MAX_ABS_VALUE (finite, but their squares and products overflow
    // double) are the last check, so a sample with both is reported as non-finite.
    boolean tooLarge = Math.abs(y) > FeatureSpace.MAX_ABS_VALUE;
    double[] d = e.denseValues();
    for (int i = 0; i < space.denseDim(); i++) {
      if (!Double.isFinite(d[i])) {
        return RejectReason.NON_FINITE_FEATURE;
      }
      tooLarge |= Math.abs(d[i]) > FeatureSpace.MAX_ABS_VALUE;
    }
    for (int i = 0; i < ns; i++) {
      double v = e.sparseValue(i);
      if (!Double.isFinite(v)) {
        return RejectReason.NON_FINITE_FEATURE;
      }
      tooLarge |= Math.abs(v) > FeatureSpace.MAX_ABS_VALUE;
    }
    for (int i = 0; i < nn; i++) {
      double v = e.numericValue(i);
      if (!Double.isFinite(v)) {
        return RejectReason.NON_FINITE_FEATURE;
      }
      tooLarge |= Math.abs(v) > FeatureSpace.MAX_ABS_VALUE;
    }
    // Named fields hashed where they were decoded: their values are the numeric values, signed.
    int nh = e.hashedLength();
    for (int i = 0; i < nh; i++) {
      double v = e.hashedValue(i);
      if (!Double.isFinite(v)) {
        return RejectReason.NON_FINITE_FEATURE;
      }
      tooLarge |= Math.abs(v) > FeatureSpace.MAX_ABS_VALUE;
    }
    return tooLarge ? RejectReason.VALUE_TOO_LARGE : RejectReason.OK;
  }
}
