package io.streamtrain.core.train;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
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
  public static final List<String> KEYS =
      List.of("model", "optimizer", "clip", "schedule", "batching", "guard", "training_path");

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
    r.rejectUnknown(KEYS);
    ModelSpec model = ModelSpecs.fromSpec(r.child("model"));
    OptimizerSpec opt = Optimizers.fromSpec(r.child("optimizer"));
    if (r.has("clip")) {
      opt = opt.withClipping(Clipping.fromSpec(r.child("clip")));
    }
    Batching batching = r.has("batching") ? Batching.fromSpec(r.child("batching")) : Batching.fromSpec(
        new SpecReader(r.key("batching"), Map.of()));
    LossGuard guard = r.has("guard") ? LossGuard.fromSpec(r.child("guard")) : null;
    TrainingConfig cfg = new TrainingConfig(r.path(), r.map(), model, opt, batching, guard);
    // Build a scheduler once so a bad schedule fails here, before any job starts.
    LrScheduler sched = cfg.newScheduler(opt.create(1));
    String requested = r.getEnum("training_path", "auto", TrainingPath.NAMES);
    cfg.trainingPath = TrainingPath.resolve(requested, r.key("training_path"), model, opt, sched);
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
    return raw.get("schedule") != null;
  }

  /**
   * A fresh scheduler for {@code opt} (its lr is the base lr), or null without a schedule. A schedule that sets
   * momentum (OneCycleLR) is validated against the optimizer having one.
   */
  public LrScheduler newScheduler(io.streamtrain.core.optim.Optimizer opt) {
    if (!hasSchedule()) {
      return null;
    }
    SpecReader r = SpecReader.asReader(key("schedule"), raw.get("schedule"));
    try {
      return Schedules.fromSpec(r, opt.lr(), opt.hasMomentum());
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new SpecException(key("schedule"), e.getMessage());
    }
  }

  private String key(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }
}
