package io.streamtrain.core.eval;

/**
 * One point of an evaluation curve: the figures of one configuration and model id after {@code samples} samples
 * were scored, every metric cumulative from the start (and its window and fading forms, see
 * {@link io.streamtrain.core.metric.Evaluation#names()}), with the event-time range covered and, for
 * prequential runs, the optimizer steps taken. {@code last} marks the final point at the end of the input.
 */
public record EvalPoint(
    String config,
    String modelId,
    String mode,
    long samples,
    long steps,
    long rejected,
    long eventTimeStart,
    long eventTimeEnd,
    String[] names,
    double[] values,
    boolean last) {

  /** The value of metric {@code name}, or NaN when this point has no such metric. */
  public double value(String name) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(name)) {
        return values[i];
      }
    }
    return Double.NaN;
  }
}
