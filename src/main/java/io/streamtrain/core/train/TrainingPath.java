package io.streamtrain.core.train;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.model.ModelSpec;
import io.streamtrain.core.model.SparseLinear;
import io.streamtrain.core.optim.OptimizerSpec;
import io.streamtrain.core.schedule.LrScheduler;

/**
 * Which kernel trains a configuration, and why. The sparse path ({@link SparseLinear} and the optimizer's
 * {@link io.streamtrain.core.optim.Optimizer#stepSparse}) touches only the parameters a batch uses: a step costs
 * O(batch nonzeros), the difference between thousands and millions of operations per step on a hashed model. It is
 * taken only where it is exact, i.e. gives the parameters the dense step would give (or, for sparse_adam and ftrl,
 * the algorithm as defined on sparse gradients): a linear, logistic or softmax model with sparse or hashed
 * features and no model penalties, an optimizer whose every stage is exact under sparsity (sgd without momentum
 * or weight decay, adagrad without weight decay, sparse_adam, ftrl; any clipping), and no schedule that sets
 * momentum. The spec's {@code training_path} (auto, the default, or sparse, or dense) can force the dense path, or
 * demand the sparse one (then a configuration that cannot take it fails before the job starts, naming why).
 */
public record TrainingPath(boolean sparse, String reason) {
  /** What the spec's {@code training_path} asks for. */
  public enum Request { AUTO, SPARSE, DENSE }

  /** "sparse" or "dense". */
  public String name() {
    return sparse ? "sparse" : "dense";
  }

  /** A one-line description for logs and the first report: the path and why. */
  public String describe() {
    return name() + " (" + reason + ")";
  }

  static TrainingPath resolve(Request requested, String key, ModelSpec model, OptimizerSpec opt, LrScheduler sched) {
    if (requested == Request.DENSE) {
      return new TrainingPath(false, "training_path: dense");
    }
    String why = SparseLinear.unsupportedReason(model);
    if (why == null && !opt.sparseExact()) {
      why = "optimizer " + opt.type() + " is not exact on sparse gradients (its state moves every coordinate on every"
          + " step; sparse_adam, adagrad, sgd without momentum or weight decay, and ftrl are)";
    }
    if (why == null && sched != null && sched.cyclesMomentum()) {
      why = "the schedule sets momentum";
    }
    boolean sparseInput = model.features().hasSparsePart();
    if (why == null && !sparseInput && requested == Request.AUTO) {
      why = "dense features only: every step touches every weight anyway";
    }
    if (why != null) {
      if (requested == Request.SPARSE) {
        throw new SpecException(key, "sparse", "allowed only where the sparse path is exact; here " + why);
      }
      return new TrainingPath(false, why);
    }
    return new TrainingPath(true, "a step touches only the batch's "
        + (sparseInput ? "sparse and hashed columns" : "columns") + " and the bias; optimizer " + opt.type()
        + " is exact on sparse gradients");
  }
}
