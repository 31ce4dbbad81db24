package io.streamtrain.client;

import io.streamtrain.core.data.Example;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ModelSpec;

/**
 * Scores examples with a given {@link ModelClient.Version}: the core model's evaluation-mode forward pass over the
 * version's parameters and buffers, so every scorer (a {@link ModelClient.Predictor}, the serve job's function)
 * computes the same bits. Keeps one core model instance (scratch memory) per model configuration, made again only
 * when a version brings another configuration; allocates nothing per call once its scratch has grown. One per
 * thread.
 */
public final class Scorer {
  private ModelSpec spec;
  private Model model;

  /**
   * Scores {@code example} (its label and weight ignored) into {@code out} (at least {@code v.spec().outputs()}
   * values) with {@code v}. Throws IllegalArgumentException when the example does not fit the model's features.
   */
  public void predict(ModelClient.Version v, Example example, double[] out) {
    if (v.spec() != spec) {
      spec = v.spec();
      model = spec.newModel(1);
    }
    model.predict(v.params(), v.buffers(), example, out);
  }
}
