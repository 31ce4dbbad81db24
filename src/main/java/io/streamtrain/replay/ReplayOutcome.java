package io.streamtrain.replay;

import io.streamtrain.avro.EvaluationResult;
import io.streamtrain.flink.replay.FinalModel;
import java.util.List;

/**
 * What a replay produced: every evaluation point (as published to the evaluation topic), the final state of each
 * (configuration, model id), and the wall-clock duration of the job (for throughput only; no result depends on it).
 */
public record ReplayOutcome(List<EvaluationResult> results, List<FinalModel> finals, long elapsedNanos) {

  /** The final model of {@code config} and {@code modelId}, or null. */
  public FinalModel finalModel(String config, String modelId) {
    for (FinalModel m : finals) {
      if (m.config.equals(config) && m.modelId.equals(modelId)) {
        return m;
      }
    }
    return null;
  }
}
