package io.streamtrain.core.train;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.model.ModelSpec;
import io.streamtrain.core.model.ModelSpecs;
import io.streamtrain.core.optim.Clipping;
import io.streamtrain.core.optim.OptimizerSpec;
import io.streamtrain.core.optim.Optimizers;
import io.streamtrain.core.schedule.LrScheduler;
import io.streamtrain.core.schedule.Schedules;
import java.util.List;
import java.util.Map;

/**
 * Everything that decides how one model trains: the model spec, the optimizer (torch names), optional gradient
 * clipping, an optional learning-rate schedule, the batching and an optional loss-spike guard ({@link LossGuard}).
 * Parsed and fully validated once, at the edge, from a plain map with keys {@code model}, {@code optimizer},
 * {@code clip}, {@code schedule}, {@code batching}, {@code guard}, {@code training_path};
 * every error names the key, the bad value and what is allowed. The raw map is kept, so the configuration can
 * travel with the state it produced (a checkpoint restores exactly what was running).
 */
public final class TrainingConfig {
  /** The training sections' keys (a job spec's top level and each {@code models} entry take them). */
  public static final ConfigDef SPEC = new ConfigDef();
  static final Key<ModelSpec> MODEL = SPEC.reader("model", ModelSpecs::fromSpec, "`type` linear / logistic /"
      + " softmax / mlp; `features` {dense, sparse, hash_bits}; `layers`, `activation`, `head`, `batch_norm`,"
      + " `dropout`; `loss`, `delta`; `l1`, `l2`; `init` (zeros, uniform, normal, xavier_*, kaiming_*, orthogonal,"
      + " torch_default); `seed`; `scaling` {mode: running \\| frozen \\| decaying}: online standardization of the"
      + " dense features ([docs/scaling.md](docs/scaling.md)); `classes`: softmax only, required: the number of"
      + " classes K >= 2; labels are class indices 0..K-1 (`produce --label-type class`, or words through"
      + " `--label-map`)");
  static final Key<OptimizerSpec> OPTIMIZER = SPEC.reader("optimizer", Optimizers::fromSpec, "torch.optim names and"
      + " defaults (torch 1.13), by `type`: " + Optimizers.keysDoc() + "; `sparse_adam` is torch.optim.SparseAdam"
      + " and `ftrl` FTRL-Proximal (McMahan et al. 2013, `lr` is its alpha), both for sparse models; `nag` normalized"
      + " adaptive updates (Ross, Mineiro and Langford 2013) for linear, logistic and softmax models: steps invariant"
      + " to each input's scale, raw features with one learning rate");
  static final Key<TrainingPath.Request> TRAINING_PATH = SPEC.define("training_path",
      Types.enumOf(TrainingPath.Request.class), TrainingPath.Request.AUTO, "`auto` ({default}), `sparse` or `dense`:"
      + " which kernel trains the model (see \"The sparse path\" below); `sparse` fails before the job starts where"
      + " the sparse path would not be exact, naming why");
  static final Key<Clipping> CLIP = SPEC.reader("clip", Clipping::fromSpec, "`{type: norm, max_norm, norm_type:"
      + " p\\|inf}` (torch's clip_grad_norm_ over all parameters, any p > 0: 1, 2 (default), 3, ...) or"
      + " `{type: value, clip_value}`");
  static final Key<Object> SCHEDULE = SPEC.optional("schedule", Types.ANY, "a torch lr scheduler by class name"
      + " (`type`), with torch's keys and defaults, or InverseTimeDecay: " + Schedules.keysDoc()
      + "; SequentialLR's `schedulers` are schedules themselves");
  static final Key<Batching> BATCHING = SPEC.section("batching", Batching.SPEC, Batching::of, "{keys}");
  static final Key<LossGuard> GUARD = SPEC.optionalSection("guard", LossGuard.SPEC, LossGuard::of,
      "loss-spike rollback (off without"
      + " this section; a batch with a non-finite loss or gradient is always skipped): {keys}. A batch whose loss"
      + " exceeds factor x the smoothed loss (and the smoothed loss by `min_excess`) is not applied: parameters,"
      + " buffers, optimizer and schedule return to the last good copy, the learning rate is multiplied by `lr_cut`"
      + " from then on, a `loss_spike_rollback` event goes into the next report, and checks pause for"
      + " `warmup_steps` so a lasting change of regime is followed, not fought");
  /** The keys' names. */
  public static final List<String> KEYS = SPEC.names();

  private final Map<String, ?> raw;
  private final String path;
  private final ModelSpec model;
  private final OptimizerSpec optimizer;
  private final Batching batching;
  private final LossGuard guard;
  private TrainingPath trainingPath;

  private TrainingConfig(String path, Map<String, ?> raw, ModelSpec model, OptimizerSpec optimizer,
      Batching batching, LossGuard guard) {
    this.path = path;
    this.raw = raw;
    this.model = model;
    this.optimizer = optimizer;
    this.batching = batching;
    this.guard = guard;
  }

  public static TrainingConfig fromSpec(SpecReader r) {
    r.require(MODEL.name());
    r.require(OPTIMIZER.name());
    ConfigValues v = SPEC.parse(r);
    OptimizerSpec opt = v.get(OPTIMIZER);
    if (v.has(CLIP)) {
      opt = opt.withClipping(v.get(CLIP));
    }
    ModelSpec model = v.get(MODEL);
    if (opt.type().equals("nag")) {
      if (model.type() == ModelSpec.ModelType.MLP) {
        throw new SpecException(v.path(OPTIMIZER) + ".type", "nag", "allowed only for linear, logistic and"
            + " softmax models (its per-input scales apply to weights that multiply the inputs directly); this model"
            + " is an mlp");
      }
      if (model.scaling() != null) {
        throw new SpecException(v.path(OPTIMIZER) + ".type", "nag", "not with model.scaling: nag is itself invariant to"
            + " each input's scale; drop one of them");
      }
    }
    TrainingConfig cfg = new TrainingConfig(r.path(), r.map(), model, opt, v.get(BATCHING), v.get(GUARD));
    // Build a scheduler once so a bad schedule fails here, before any job starts.
    LrScheduler sched = cfg.newScheduler(opt.create(1));
    cfg.trainingPath = TrainingPath.resolve(v.get(TRAINING_PATH), v.path(TRAINING_PATH), cfg.model, opt, sched);
    return cfg;
  }

  public Map<String, ?> raw() {
    return raw;
  }

  /** The kernel this configuration trains with (sparse or dense) and why; see {@link TrainingPath}. */
  public TrainingPath trainingPath() {
    return trainingPath;
  }

  public ModelSpec model() {
    return model;
  }

  public OptimizerSpec optimizer() {
    return optimizer;
  }

  public Batching batching() {
    return batching;
  }

  /** The loss-spike guard, or null when the configuration has none (only non-finite batches are skipped). */
  public LossGuard guard() {
    return guard;
  }

  public boolean hasSchedule() {
    return raw.get(SCHEDULE.name()) != null;
  }

  /**
   * A fresh scheduler for {@code opt} (its lr is the base lr), or null without a schedule. A schedule that sets
   * momentum (OneCycleLR) is validated against the optimizer having one.
   */
  public LrScheduler newScheduler(io.streamtrain.core.optim.Optimizer opt) {
    if (!hasSchedule()) {
      return null;
    }
    SpecReader r = SpecReader.asReader(key(SCHEDULE.name()), raw.get(SCHEDULE.name()));
    try {
      return Schedules.fromSpec(r, opt.lr(), opt.hasMomentum());
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new SpecException(key(SCHEDULE.name()), e.getMessage());
    }
  }

  private String key(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }
}
