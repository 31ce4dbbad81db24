package io.streamtrain.core.feature;

/**
 * Why a sample was not trained on. The constant names are a wire contract (they travel in the rejected-samples
 * topic and are counted per reason in the metrics): never rename or remove one, only add. {@link #OK} means the
 * sample fits the model. {@code core.data.Validation.check} returns the first failing check in the declared order;
 * {@link #UNKNOWN_MODEL} and {@link #UNDECODABLE} are for the streaming job (no model configured for the
 * sample's id; bytes that do not decode), never returned by the core.
 */
public enum RejectReason {
  OK("the sample fits the model"),
  INVALID_WEIGHT("the sample weight is negative, NaN or infinite"),
  NON_FINITE_LABEL("the label is NaN or infinite"),
  LABEL_OUT_OF_RANGE("the label is not allowed for the model (0/1 for binary, an integer class in [0, K))"),
  EMPTY_FEATURES("the sample carries no feature at all"),
  DENSE_LENGTH_MISMATCH("the dense block's length differs from the model's dense dimension"),
  SPARSE_INDEX_OUT_OF_RANGE("a sparse index is negative or not below the model's sparse dimension"),
  NAMED_FIELDS_NOT_ACCEPTED("the sample has named fields but the model declares no hashed feature space"),
  MALFORMED_FIELD("a named field has a null name or a null categorical value"),
  NON_FINITE_FEATURE("a dense, sparse or numeric field value is NaN or infinite"),
  VALUE_TOO_LARGE("a feature value or the label exceeds 1e100 in magnitude (its square would overflow)"),
  UNKNOWN_MODEL("no model is configured for the sample's model id (set by the job)"),
  UNDECODABLE("the record could not be decoded (set by the job)");

  private final String description;

  RejectReason(String description) {
    this.description = description;
  }

  public String description() {
    return description;
  }
}
