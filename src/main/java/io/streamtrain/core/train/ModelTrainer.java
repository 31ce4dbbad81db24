package io.streamtrain.core.train;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.diag.Diagnostician;
import io.streamtrain.core.diag.DiagnosticsConfig;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ParamGroup;
import io.streamtrain.core.model.SparseGradient;
import io.streamtrain.core.model.SparseLinear;
import io.streamtrain.core.optim.Optimizer;
import io.streamtrain.core.schedule.LrScheduler;
import io.streamtrain.core.schedule.OneCycleLR;
import java.util.List;

/**
 * One training step of one model, torch's order: forward and backward on the mini-batch (compute a gradient),
 * then lr from the schedule, clipping and the optimizer update (apply it), then the schedule step. The two halves
 * are separate methods ({@link #computeGradient} and {@link #applyGradient}) so a data-parallel mode can compute
 * gradients on several workers and apply their mean in one place.
 *
 * <p>Divergence guard: a batch whose loss or gradient is not finite is skipped (no update, no schedule step,
 * buffers untouched) and counted, so one bad batch never poisons the parameters. With a {@link LossGuard}
 * configured, a batch whose loss spikes above a factor of the smoothed loss is not applied either: the state rolls
 * back to the last good copy and the learning rate is cut (see {@link LossGuard} for the rules).
 *
 * <p>One instance per configuration and thread: it owns the model's scratch memory, a reusable batch and the
 * gradient buffer, so steady-state steps allocate nothing.
 */
public final class ModelTrainer {
  public static final double LOSS_EMA_BETA = 0.98;

  private final TrainingConfig config;
  private final Model model;
  private final Batch batch;
  private final double[] grad;
  private final int[] paramSplit;
  private final StepResult result = new StepResult();
  /** Test-then-train scoring of the dense path's batches (the sparse kernel scores its own). */
  private final ProgressiveScorer scorer;
  private Diagnostician diagnostician;
  /** The sparse kernel and its reusable gradient, or null on the dense path ({@link TrainingConfig#trainingPath}). */
  private final SparseLinear sparse;
  private final SparseGradient sparseGrad;
  /** Steps between exact parameter norms on the sparse path: about four batches' worth of work each time. */
  private final long paramNormEvery;

  public ModelTrainer(TrainingConfig config) {
    this.config = config;
    this.model = config.model().newModel(config.batching().batchSize());
    this.batch = model.newBatch(config.batching().batchSize());
    this.grad = new double[model.numParams()];
    List<ParamGroup> groups = model.layout().groups();
    this.paramSplit = new int[groups.size()];
    for (int i = 0; i < paramSplit.length; i++) {
      paramSplit[i] = groups.get(i).size();
    }
    boolean sp = config.trainingPath() != null && config.trainingPath().sparse();
    this.sparse = sp ? new SparseLinear(config.model()) : null;
    this.sparseGrad = sp ? new SparseGradient() : null;
    this.paramNormEvery = Math.max(1, model.numParams() / (4L * config.batching().batchSize()));
    this.scorer = new ProgressiveScorer(model, config.batching().batchSize());
  }

  /** The kernel this trainer steps with: sparse (O(batch nonzeros) a step) or dense, and why. */
  public TrainingPath path() {
    return config.trainingPath();
  }

  public TrainingConfig config() {
    return config;
  }

  public Model model() {
    return model;
  }

  /**
   * Turns on training diagnostics for the steps of {@link #train(TrainerState, Batch)}: per-batch gradient
   * statistics, curvature probes (their budget counted in work, never timed) and the training-state
   * classification into {@link TrainerState#diag}. Returns this.
   */
  public ModelTrainer enableDiagnostics(DiagnosticsConfig c) {
    this.diagnostician = c == null || !c.enabled() ? null : new Diagnostician(c, model, config.batching().batchSize());
    return this;
  }

  /** The diagnostics engine, or null when diagnostics are off. */
  public Diagnostician diagnostician() {
    return diagnostician;
  }

  /** A fresh state: parameters from the configured initializer and seed, initial buffers, a new optimizer. */
  public TrainerState newState(String modelId) {
    double[] params = new double[model.numParams()];
    model.init(params, config.model().seed());
    double[] buffers = new double[model.numBuffers()];
    model.initBuffers(buffers);
    Optimizer opt = config.optimizer().create(paramSplit);
    LrScheduler sched = config.newScheduler(opt);
    return new TrainerState(modelId, params, buffers, opt, sched, model.featureSpace());
  }

  /** Vectorizes {@code n} examples (already validated against the model's feature space) and trains on them. */
  public StepResult train(TrainerState s, List<Example> examples) {
    batch.clear();
    for (int i = 0; i < examples.size(); i++) {
      batch.add(examples.get(i));
    }
    return train(s, batch);
  }

  /**
   * Per sample of the last trained batch, in batch order, for classifiers: 1 when the prediction made before the
   * update was wrong, else 0 (the progressive errors a drift detector watches). Valid for the last result's
   * {@code samples} entries when its {@code correct >= 0}, until the next call; reused, never reallocated per step.
   */
  public byte[] lastErrors() {
    return sparse != null ? sparse.lastWrong() : scorer.lastWrong();
  }

  /** The reusable batch this trainer vectorizes into (valid until the next call). */
  public Batch batch() {
    return batch;
  }

  /**
   * One full step on a vectorized batch. The returned result is reused by the next call. For classifiers the
   * batch is first scored with the pre-update parameters (progressive validation, test-then-train: each sample
   * is predicted before the model has trained on it).
   */
  public StepResult train(TrainerState s, Batch b) {
    model.observeInputs(b, s.buffers); // input scaling: this batch's features join the statistics first
    s.optimizer.observeInputs(b, s.params); // nag: the batch's input scales, before its predictions and gradient
    if (sparse != null) {
      return trainSparse(s, b);
    }
    Diagnostician dg = diagnostician;
    int correct = scorer.correct(s.params, s.buffers, b);
    computeGradient(s, b, grad);
    if (dg == null) {
      result.correct = correct;
      applyGradient(s, b, grad, result.loss);
      return result;
    }
    dg.observeGradient(s.diag, s.params, b, grad);
    result.correct = correct;
    applyGradient(s, b, grad, result.loss);
    return afterDiagnosedStep(s, dg, b);
  }

  /** The end of a step with diagnostics on: the post-step diagnostics (probe work, classification, escape). */
  private StepResult afterDiagnosedStep(TrainerState s, Diagnostician dg, Batch b) {
    double lr = Double.isNaN(result.lr) ? s.optimizer.lr() : result.lr;
    dg.afterStep(s.diag, s.params, b, result.loss, result.gradNorm, result.skipped, lr, s.step);
    return result;
  }

  /**
   * {@link #train(TrainerState, Batch)} on the sparse path: the loss, the progressive count and a gradient over
   * the touched parameters from one pass of the sparse kernel, then the same step rules as the dense path on them.
   */
  private StepResult trainSparse(TrainerState s, Batch b) {
    Diagnostician dg = diagnostician;
    model.setDropoutStep(s.step);
    double loss = sparse.lossAndGradient(s.params, b, sparseGrad);
    result.reset();
    result.loss = loss;
    result.samples = b.size();
    result.correct = sparse.lastCorrect();
    if (dg == null) {
      applySparseGradient(s, b, loss);
      return result;
    }
    dg.observeSparseGradient(s.diag, s.params, b, sparseGrad.index(), sparseGrad.value(), sparseGrad.nnz());
    applySparseGradient(s, b, loss);
    return afterDiagnosedStep(s, dg, b);
  }

  /**
   * The sparse path's second half: as {@link #applyGradient} on the gradient the sparse kernel left in
   * {@link #sparseGrad}. Norms are over the touched entries (exact: the others are zero), except the parameter
   * norm, which is a full pass and so is recomputed every {@link #paramNormEvery} steps (and after a rollback);
   * between those, reports and the update ratio use the latest one.
   */
  private StepResult applySparseGradient(TrainerState s, Batch b, double loss) {
    StepResult r = result;
    int nnz = sparseGrad.nnz();
    double[] g = sparseGrad.value();
    double gradNorm = l2Norm(g, nnz);
    if (!beginStep(s, b, r, loss, gradNorm)) {
      return r;
    }
    if (Double.isNaN(s.paramNormCache) || s.step % paramNormEvery == 0) {
      s.paramNormCache = l2Norm(s.params);
    }
    double paramNormBefore = s.paramNormCache;
    s.optimizer.stepSparse(s.params, sparseGrad.index(), g, nnz);
    if (s.optimizer.lastStepSkipped()) {
      skip(s, r);
      return r;
    }
    finishStep(s, b, r, loss, gradNorm, l2Norm(g, nnz), paramNormBefore, paramNormBefore);
    return r;
  }

  /** The first half: loss and gradient at the current parameters (no state change). Returns the loss. */
  public double computeGradient(TrainerState s, Batch b, double[] gradOut) {
    model.setDropoutStep(s.step);
    model.useInputStatistics(s.buffers);
    double loss = model.lossAndGradient(s.params, b, gradOut);
    result.reset();
    result.loss = loss;
    result.samples = b.size();
    return loss;
  }

  /**
   * The second half: the divergence guard, running statistics, lr and momentum from the schedule, the optimizer
   * step (clipping included) and the schedule step; counters and the metrics interval are updated.
   */
  public StepResult applyGradient(TrainerState s, Batch b, double[] g, double loss) {
    StepResult r = result;
    double gradNorm = l2Norm(g);
    if (!beginStep(s, b, r, loss, gradNorm)) {
      return r;
    }
    // torch BatchNorm1d updates its running statistics in the forward pass, i.e. at the pre-update parameters.
    model.updateBuffers(s.params, b, s.buffers);
    double paramNormBefore = l2Norm(s.params);
    s.optimizer.step(s.params, g);
    if (s.optimizer.lastStepSkipped()) {
      skip(s, r);
      return r;
    }
    finishStep(s, b, r, loss, gradNorm, l2Norm(g), paramNormBefore, l2Norm(s.params));
    return r;
  }

  /**
   * The step rules before the update, shared by both paths: counters, the divergence guard (non-finite loss or
   * gradient, loss spike), the guard's good-state copy, and the lr and momentum from the schedule. False when the
   * batch is not applied (skipped or rolled back).
   */
  private boolean beginStep(TrainerState s, Batch b, StepResult r, double loss, double gradNorm) {
    r.loss = loss;
    r.samples = b.size();
    r.skipped = false;
    r.rolledBack = false;
    s.recordBatch(b.size(), r.correct);
    r.gradNorm = gradNorm;
    if (!Double.isFinite(loss) || !Double.isFinite(gradNorm)) {
      skip(s, r);
      return false;
    }
    LossGuard guard = config.guard();
    GuardState gs = s.guard;
    if (guard != null) {
      if (gs.hasGood && s.step >= gs.resumeStep && s.lossEmaCount >= guard.warmupSteps()) {
        double smoothed = s.smoothedLoss();
        if (guard.isSpike(loss, smoothed)) {
          rollback(s, guard, r, smoothed);
          return false;
        }
      }
      // The state before this step produced a normal loss on this batch: a good state to come back to.
      if (!gs.hasGood || s.step - gs.goodStep >= guard.goodStateEvery()) {
        gs.save(s);
      }
    }
    LrScheduler sched = s.scheduler;
    // lrScale is 1 unless the loss guard cut it, lrBoost 1 unless a drift reaction raised it (x * 1.0 == x
    // exactly, so runs without either are unchanged).
    double scale = gs.lrScale * s.lrBoost();
    if (sched != null) {
      s.optimizer.setLr(sched.lr() * scale);
      if (sched.cyclesMomentum()) {
        s.optimizer.setMomentum(sched.currentMomentum());
      }
    } else if (scale != 1.0 || s.optimizer.lr() != s.baseLr) {
      s.optimizer.setLr(s.baseLr * scale);
    }
    r.lr = s.optimizer.lr();
    return true;
  }

  /** The step rules after an applied update, shared by both paths: figures, the schedule step and counters. */
  private void finishStep(TrainerState s, Batch b, StepResult r, double loss, double gradNorm, double updateNorm,
      double paramNormBefore, double paramNorm) {
    r.clipCoefficient = s.optimizer.lastClipCoefficient();
    r.clipped = r.clipCoefficient < 1.0;
    r.gradNormClipped = r.clipped ? gradNorm * r.clipCoefficient : gradNorm;
    r.paramNorm = paramNorm;
    r.updateRatio = paramNormBefore > 0 ? updateNorm / paramNormBefore : Double.NaN;
    LrScheduler sched = s.scheduler;
    if (sched != null && !exhausted(sched)) {
      sched.step(loss);
    }
    s.recordApplied(b.size(), loss, gradNorm, r);
  }

  /**
   * The batch's loss spiked: it is not applied; parameters, buffers, optimizer and schedule go back to the last
   * good state, the smoothed loss to its value then, the learning-rate scale is cut and checks pause for the
   * warm-up. The batch counts as skipped; the trainer's step and sample counters keep running (metrics and
   * snapshot versions never go backwards).
   */
  private static void rollback(TrainerState s, LossGuard guard, StepResult r, double smoothed) {
    GuardState gs = s.guard;
    gs.restore(s);
    s.forgetParamNorm();
    gs.lrScale *= guard.lrCut();
    gs.rollbacks++;
    gs.resumeStep = s.step + guard.warmupSteps();
    r.rolledBack = true;
    r.smoothedLoss = smoothed;
    skip(s, r);
  }

  private static void skip(TrainerState s, StepResult r) {
    r.skipped = true;
    s.recordSkipped();
  }

  /** OneCycleLR is defined for total_steps steps (torch raises past them); a stream goes on at its final lr. */
  private static boolean exhausted(LrScheduler sched) {
    return sched instanceof OneCycleLR oc && sched.stepCount() + 1 >= oc.totalSteps();
  }

  /** Euclidean norm of {@code a[0, n)}, as {@link #l2Norm(double[])}. */
  static double l2Norm(double[] a, int n) {
    double s0 = 0;
    double s1 = 0;
    int i = 0;
    for (; i + 1 < n; i += 2) {
      s0 += a[i] * a[i];
      s1 += a[i + 1] * a[i + 1];
    }
    if (i < n) {
      s0 += a[i] * a[i];
    }
    return Math.sqrt(s0 + s1);
  }

  /** Euclidean norm with scaling-free summation (values here are far from overflow; NaN/inf propagate). */
  static double l2Norm(double[] a) {
    return l2Norm(a, a.length);
  }

  /** What one step did; reused between steps. */
  public static final class StepResult {
    public double loss;
    public int samples;
    public double gradNorm;
    public double gradNormClipped;
    public double clipCoefficient;
    public boolean clipped;
    public boolean skipped;
    public double lr;
    public double updateRatio;
    public double paramNorm;
    /** Correct progressive predictions in the batch (before the update); -1 for regression. */
    public int correct = -1;
    /**
     * The loss guard rolled back instead of applying this batch (then {@link #skipped} is true too); the step
     * returned to and the new learning-rate scale are in the state's {@link GuardState}.
     */
    public boolean rolledBack;
    /** For a rollback: the smoothed loss the batch loss was compared with (the state's is back at the good one). */
    public double smoothedLoss;

    void reset() {
      correct = -1;
      loss = Double.NaN;
      samples = 0;
      gradNorm = Double.NaN;
      gradNormClipped = Double.NaN;
      clipCoefficient = 1.0;
      clipped = false;
      skipped = false;
      lr = Double.NaN;
      updateRatio = Double.NaN;
      paramNorm = Double.NaN;
      rolledBack = false;
      smoothedLoss = Double.NaN;
    }
  }
}
