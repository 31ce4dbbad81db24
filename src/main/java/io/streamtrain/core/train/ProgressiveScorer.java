package io.streamtrain.core.train;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.feature.Target;
import io.streamtrain.core.model.Head;
import io.streamtrain.core.model.Model;

/**
 * Progressive validation (test-then-train) of a classifier's batches on the dense path: each sample is predicted
 * with the parameters before the step that trains on it. Keeps the batch's predictions and per-sample errors in
 * memory it reuses, so scoring a batch allocates nothing once it has seen the largest batch.
 */
final class ProgressiveScorer {
  private final Model model;
  private final int batchSize;
  private double[] predictions;
  /** Per sample of the last scored batch: 1 when its prediction was wrong. */
  private byte[] wrong = new byte[0];

  ProgressiveScorer(Model model, int batchSize) {
    this.model = model;
    this.batchSize = batchSize;
  }

  /** Correct predictions of the batch at {@code params} and {@code buffers}, or -1 for a regression model. */
  int correct(double[] params, double[] buffers, Batch b) {
    Target t = model.featureSpace().target();
    if (t == Target.REAL || b.size() == 0) {
      return -1;
    }
    int k = model.outputDim();
    if (predictions == null || predictions.length < b.size() * k) {
      predictions = new double[Math.max(b.size(), batchSize) * k];
    }
    model.predict(params, buffers, b, predictions);
    if (wrong.length < b.size()) {
      wrong = new byte[predictions.length / k];
    }
    int correct = 0;
    for (int i = 0; i < b.size(); i++) {
      boolean ok = Head.predictedClass(predictions, i * k, k) == (int) b.label(i);
      wrong[i] = ok ? (byte) 0 : (byte) 1;
      if (ok) {
        correct++;
      }
    }
    return correct;
  }

  /** Per sample of the last scored batch, 1 when its prediction was wrong (valid until the next call). */
  byte[] lastWrong() {
    return wrong;
  }
}
