package io.streamtrain.flink.serving;

import io.streamtrain.avro.Prediction;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.client.ModelClient;
import io.streamtrain.client.Scorer;
import io.streamtrain.core.data.Validation;
import io.streamtrain.core.feature.RejectReason;
import org.apache.flink.util.Collector;

/**
 * Scores one request with one version: checks it against the model's feature space (the checks a training sample
 * passes, so a request the model cannot read is refused with the same reason codes) and predicts with the
 * {@link Scorer} ModelClient's predictors use. One per task; not thread-safe.
 */
final class RequestScorer {
  private final Scorer scorer = new Scorer();
  private double[] out = new double[16];

  /** Scores {@code r} with {@code v} into {@code collector}; returns its rejection instead when it does not fit. */
  RejectedSample score(ModelClient.Version v, RequestRecord r, Collector<Prediction> collector) {
    RejectReason why = Validation.check(v.spec().features(), r.example);
    if (why != RejectReason.OK) {
      return ServeRecords.reject(r, why.name(), why.description() + " (model '" + v.modelId() + "' version "
          + v.version() + ")");
    }
    int k = v.spec().outputs();
    if (out.length < k) {
      out = new double[k];
    }
    scorer.predict(v, r.example, out);
    collector.collect(ServeRecords.prediction(v, r, out, k));
    return null;
  }
}
