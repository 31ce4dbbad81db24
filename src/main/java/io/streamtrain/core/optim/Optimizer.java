package io.streamtrain.core.optim;

import io.streamtrain.core.data.Batch;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A torch.optim-equivalent optimizer over one flat parameter vector: a preset {@link Chain} (optionally with a
 * clipping stage in front), its {@link ChainState} and the step count. {@link #step} updates the parameters in
 * place without allocating. The learning rate and the momentum (SGD/RMSprop momentum, Adam/AdamW beta1) are the
 * knobs a schedule turns between steps, as with torch's {@code param_group['lr']} and {@code ['momentum']} /
 * {@code ['betas']}. With a global-norm clipping stage, a step whose total gradient norm is NaN or infinite is
 * skipped: parameters, buffers and the step count stay as they were and {@link #lastStepSkipped()} is true.
 */
public final class Optimizer {
  private static final int MAGIC = 0x53544f50; // "STOP": streamtrain optimizer
  /** Version 1: magic, version, type, step count, then the chain state (see {@link ChainState#write}). */
  public static final int FORMAT_VERSION = 1;

  private final String type;
  private final Chain chain;
  private ChainState state;
  private HasLearningRate[] lrs;
  private HasMomentum mom;
  private ClipByGlobalNorm.State clip;
  private Nag.State inputs;
  private long stepCount;
  private boolean skipped;

  Optimizer(String type, Chain chain, int n) {
    this.type = type;
    this.chain = chain;
    bind(chain.init(n));
  }

  private void bind(ChainState s) {
    this.state = s;
    List<HasLearningRate> l = new ArrayList<>();
    HasMomentum m = null;
    ClipByGlobalNorm.State c = null;
    Nag.State nag = null;
    for (TransformState t : s.states()) {
      if (t instanceof HasLearningRate h) {
        l.add(h);
      }
      if (m == null && t instanceof HasMomentum h) {
        m = h;
      }
      if (c == null && t instanceof ClipByGlobalNorm.State cs) {
        c = cs;
      }
      if (nag == null && t instanceof Nag.State ns) {
        nag = ns;
      }
    }
    this.lrs = l.toArray(new HasLearningRate[0]);
    this.mom = m;
    this.clip = c;
    this.inputs = nag;
  }

  /** The torch name of the preset: sgd, adagrad, rmsprop, adam or adamw. */
  public String type() {
    return type;
  }

  public Chain chain() {
    return chain;
  }

  /** The live state (for inspection and tests). */
  public ChainState state() {
    return state;
  }

  public int size() {
    return state.size();
  }

  /** True for optimizers that see each batch's inputs before its gradient ({@link #observeInputs}): nag. */
  public boolean observesInputs() {
    return inputs != null;
  }

  /**
   * For an optimizer that {@link #observesInputs()}: the batch's inputs, before its gradient is computed at
   * {@code params} (nag rescales the weights of columns whose scale grows, see {@link Nag}); a no-op otherwise.
   */
  public void observeInputs(Batch b, double[] params) {
    if (inputs != null) {
      inputs.observe(b, params);
    }
  }

  /**
   * One optimizer step: {@code params} is updated in place; {@code grads} is overwritten with the applied
   * update (clipped, scaled gradient times {@code -lr}).
   */
  public void step(double[] params, double[] grads) {
    skipped = !Chain.step(grads, state, params);
    if (!skipped) {
      stepCount++;
    }
  }

  /** True when {@link #stepSparse} is exact for this optimizer (see {@link Chain#sparseExact()}). */
  public boolean sparseExact() {
    return chain.sparseExact();
  }

  /**
   * One optimizer step on a sparse gradient (entries {@code g[0, nnz)} at the distinct coordinates
   * {@code idx[0, nnz)}, zero elsewhere), in O(nnz); the same result as {@link #step} on the dense vector. Only for
   * optimizers that are {@link #sparseExact()}. {@code g} is overwritten with the applied update.
   */
  public void stepSparse(double[] params, int[] idx, double[] g, int nnz) {
    skipped = !Chain.stepSparse(g, idx, nnz, state, params);
    if (!skipped) {
      stepCount++;
    }
  }

  public long stepCount() {
    return stepCount;
  }

  /** True if the last {@link #step} was skipped because the total gradient norm was not finite. */
  public boolean lastStepSkipped() {
    return skipped;
  }

  /** The pre-clip total gradient norm of the last step, NaN without a global-norm clipping stage. */
  public double lastGradNorm() {
    return clip == null ? Double.NaN : clip.totalNorm();
  }

  /** The factor the last step's gradients were scaled by in clipping (1 when not clipped). */
  public double lastClipCoefficient() {
    return clip == null ? 1.0 : clip.coefficient();
  }

  public double lr() {
    return lrs.length == 0 ? Double.NaN : lrs[0].lr();
  }

  /** Sets the learning rate for the following steps, as assigning torch's {@code param_group['lr']}. */
  public void setLr(double lr) {
    Transforms.checkNonNegative("lr", lr);
    for (HasLearningRate h : lrs) {
      h.setLr(lr);
    }
  }

  /** True for presets whose momentum a schedule may set: sgd, rmsprop with momentum > 0, adam, adamw. */
  public boolean hasMomentum() {
    return mom != null;
  }

  public double momentum() {
    if (mom == null) {
      throw new IllegalStateException(type + " has no momentum");
    }
    return mom.momentum();
  }

  /** Sets SGD/RMSprop {@code momentum} or Adam/AdamW {@code betas[0]} for the following steps. */
  public void setMomentum(double momentum) {
    if (mom == null) {
      throw new IllegalStateException(
          type + " has no momentum to set (rmsprop needs momentum > 0 at construction, as in torch)");
    }
    mom.setMomentum(momentum);
  }

  /** Writes the versioned binary state: restoring it continues the trajectory bit-identically. */
  public void writeState(DataOutput out) throws IOException {
    out.writeInt(MAGIC);
    out.writeByte(FORMAT_VERSION);
    out.writeUTF(type);
    out.writeLong(stepCount);
    state.write(out);
  }

  /**
   * Replaces the state with one written by {@link #writeState}. A state of another version, optimizer type,
   * transform structure or size raises {@link IncompatibleStateException} and leaves this optimizer unchanged.
   */
  public void readState(DataInput in) throws IOException {
    int magic = in.readInt();
    if (magic != MAGIC) {
      throw new IncompatibleStateException(
          "optimizer state: not an optimizer state (magic " + Integer.toHexString(magic) + ")");
    }
    IncompatibleStateException.expect("format version", FORMAT_VERSION, (int) in.readByte());
    IncompatibleStateException.expect("optimizer type", type, in.readUTF());
    long steps = in.readLong();
    ChainState fresh = chain.init(state.size());
    fresh.read(in);
    bind(fresh);
    this.stepCount = steps;
    this.skipped = false;
  }
}
