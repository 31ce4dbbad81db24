package io.streamtrain.core.fit;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.model.Model;
import java.util.List;

/**
 * A model's training objective over a fixed data set held as one or more batches: the row-weighted mean of the
 * batch objectives, {@code F = sum_k (n_k / N) L_k}, which is the objective of the whole data set as one batch
 * (each L_k carries the full penalty, and the weights n_k / N sum to 1). With batch norm the statistics are
 * per batch, so F is the objective of that batching. Dropout is fixed to the masks of step 0, so F is a
 * deterministic function the minimizers can line-search.
 * Wrap it in a {@link CountingObjective} to count passes over the data.
 */
public final class ModelObjective implements Objective {
  private final Model model;
  private final Batch[] batches;
  private final double[] share;
  private final double[] scratch;

  public ModelObjective(Model model, List<Batch> batches) {
    if (batches.isEmpty()) {
      throw new IllegalArgumentException("no data: at least one non-empty batch is needed");
    }
    this.model = model;
    this.batches = batches.toArray(new Batch[0]);
    long rows = 0;
    for (Batch b : this.batches) {
      if (b.isEmpty()) {
        throw new IllegalArgumentException("empty batch");
      }
      rows += b.size();
    }
    share = new double[this.batches.length];
    for (int k = 0; k < share.length; k++) {
      share[k] = (double) this.batches[k].size() / rows;
    }
    scratch = this.batches.length > 1 ? new double[model.numParams()] : null;
    model.setDropoutStep(0);
  }

  public Model model() {
    return model;
  }

  /** Rows over all batches. */
  public long rows() {
    long r = 0;
    for (Batch b : batches) {
      r += b.size();
    }
    return r;
  }

  @Override
  public int dimension() {
    return model.numParams();
  }

  @Override
  public double valueAndGradient(double[] x, double[] grad) {
    if (batches.length == 1) {
      return model.lossAndGradient(x, batches[0], grad);
    }
    java.util.Arrays.fill(grad, 0.0);
    double f = 0;
    for (int k = 0; k < batches.length; k++) {
      f += share[k] * model.lossAndGradient(x, batches[k], scratch);
      Vectors.axpy(share[k], scratch, grad);
    }
    return f;
  }

  @Override
  public double value(double[] x) {
    double f = 0;
    for (int k = 0; k < batches.length; k++) {
      f += batches.length == 1 ? model.loss(x, batches[k]) : share[k] * model.loss(x, batches[k]);
    }
    return f;
  }

  @Override
  public void hessianVector(double[] x, double[] v, double[] out) {
    if (batches.length == 1) {
      model.hessianVectorProduct(x, batches[0], v, out);
      return;
    }
    java.util.Arrays.fill(out, 0.0);
    for (int k = 0; k < batches.length; k++) {
      model.hessianVectorProduct(x, batches[k], v, scratch);
      Vectors.axpy(share[k], scratch, out);
    }
  }
}
