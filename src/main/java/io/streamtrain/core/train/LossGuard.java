package io.streamtrain.core.train;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;

/**
 * The loss-spike guard of a training configuration (its {@code guard} section): a batch whose loss exceeds
 * {@code loss_spike_factor} times the smoothed loss (the bias-corrected moving average the metrics report) is not
 * applied; the parameters, batch-norm buffers, optimizer state and schedule go back to the last good state, and
 * the learning rate is multiplied by {@code lr_cut} from then on (cuts compound). This is the "cliff" defence of
 * Goodfellow et al. (Deep Learning, 8.2.4) for the case clipping does not catch: a step that already landed
 * somewhere bad.
 *
 * <p>The last good state is a copy taken every {@code good_state_every} applied steps, of the state just before a
 * step whose batch loss passed the check (so the copy is a state whose loss was seen and was normal). Checks start
 * once the moving average has {@code warmup_steps} losses in it, and pause for {@code warmup_steps} steps after a
 * rollback: if the higher loss persists it is a new regime (concept drift), not a spike, and the average follows
 * it instead of rolling back forever. Keys: {@code loss_spike_factor} (&gt; 1; required to turn the guard on),
 * {@code min_excess} (default 0: a spike must also exceed the smoothed loss by this absolute amount, so a model
 * whose average loss is near zero does not take ordinary noise for a spike), {@code lr_cut} (in (0, 1], default
 * 0.5), {@code warmup_steps} (default 20), {@code good_state_every} (default
 * 50). Without a {@code guard} section only the non-finite guard is active (a batch with a non-finite loss or
 * gradient is skipped).
 */
public record LossGuard(double spikeFactor, double minExcess, double lrCut, int warmupSteps, int goodStateEvery) {
  public static final int DEFAULT_WARMUP = 20;
  public static final int DEFAULT_GOOD_EVERY = 50;

  public LossGuard {
    if (!(spikeFactor > 1.0) || Double.isInfinite(spikeFactor)) {
      throw new IllegalArgumentException("loss_spike_factor must be a finite number > 1, got " + spikeFactor);
    }
    if (!(minExcess >= 0) || Double.isInfinite(minExcess)) {
      throw new IllegalArgumentException("min_excess must be a finite number >= 0, got " + minExcess);
    }
    if (!(lrCut > 0.0 && lrCut <= 1.0)) {
      throw new IllegalArgumentException("lr_cut must be in (0, 1], got " + lrCut);
    }
    if (warmupSteps < 1 || goodStateEvery < 1) {
      throw new IllegalArgumentException(
          "warmup_steps and good_state_every must be >= 1, got " + warmupSteps + " and " + goodStateEvery);
    }
  }

  /** The {@code guard} section's keys. */
  public static final ConfigDef SPEC = new ConfigDef();
  static final Key<Double> FACTOR = SPEC.required("loss_spike_factor", Types.DOUBLE,
      Validators.range(1.0, true, 1e300, false), "({default}, > 1)");
  static final Key<Double> MIN_EXCESS = SPEC.define("min_excess", Types.DOUBLE, 0.0,
      Validators.range(0.0, false, 1e300, false), "");
  static final Key<Double> LR_CUT = SPEC.define("lr_cut", Types.DOUBLE, 0.5, Validators.range(0.0, true, 1.0, false),
      "");
  static final Key<Integer> WARMUP = SPEC.define("warmup_steps", Types.INT, DEFAULT_WARMUP,
      Validators.intRange(1, Integer.MAX_VALUE), "");
  static final Key<Integer> GOOD_EVERY = SPEC.define("good_state_every", Types.INT, DEFAULT_GOOD_EVERY,
      Validators.intRange(1, Integer.MAX_VALUE), "");

  public static LossGuard fromSpec(SpecReader r) {
    return of(SPEC.parse(r));
  }

  static LossGuard of(ConfigValues v) {
    return new LossGuard(v.get(FACTOR), v.get(MIN_EXCESS), v.get(LR_CUT), v.get(WARMUP), v.get(GOOD_EVERY));
  }

  /** True when a batch loss is a spike against the smoothed loss. */
  public boolean isSpike(double loss, double smoothed) {
    return smoothed > 0 && loss > spikeFactor * smoothed && loss - smoothed > minExcess;
  }
}
