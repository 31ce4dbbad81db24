package io.streamtrain.core.diag;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import java.util.List;
import java.util.Map;

/**
 * Settings of the training diagnostics (the {@code diagnostics:} section of a job spec), declared once ({@link #SPEC}:
 * each key's type, default and allowed values) and parsed from a plain map; every key has a default, so an empty map
 * is a sensible configuration:
 * <ul>
 *   <li>{@code enabled} (true): per-batch statistics and the training-state classification
 *   <li>{@code probe_every} (50): a curvature probe (Lanczos on Hessian-vector products) every P applied batches;
 *       0 turns probes off
 *   <li>{@code probe_max_params} (100000): probes are off for models with more parameters than this, unless
 *       {@code probe_every} is given explicitly
 *   <li>{@code reservoir} (256): samples kept (reservoir sampling, seeded) from the batches since the last probe
 *       began; a probe starts only with a full reservoir, and its Hessian is the training objective's over it
 *   <li>{@code lanczos_steps} (20), {@code eigenpairs} (2): Krylov dimension and how many of the largest and of
 *       the smallest Ritz pairs are reported
 *   <li>{@code budget_share} (0.20): the share of the work the diagnostics' extra computations take, counted (never
 *       timed) in sample-gradients: a training step of b samples costs b, a noise estimate on it b, a
 *       Hessian-vector product over r samples 2r. Each applied step earns budget_share / (1 - budget_share) x b of
 *       credit; the noise estimates and an escape's forward passes take theirs when due, and a running probe does
 *       its products as the remaining credit allows, so one probe spans several steps and the share holds at every
 *       step (at the defaults the noise estimates take b every 10 steps, two fifths of the credit). 1 means no limit
 *   <li>{@code noise_every} (10): the gradient noise scale (one extra per-sample backward pass, paid from the
 *       budget) every N batches
 *   <li>{@code seed} (0): seeds the reservoir and the Lanczos start vector
 *   <li>{@code ema_beta} (0.9): smoothing of the gradient-norm mean and variance
 *   <li>{@code loss_window} (20): batches in the loss-trend regression; {@code plateau_tolerance} (0.01): the
 *       loss is on a plateau when its fitted change over the window is below this fraction of its mean
 *   <li>{@code noise_snr} (0.5): a gradient is small when it is within its noise: the smoothed estimate of the
 *       true gradient's |G|^2 is at most noise_snr times the batch gradient's variance tr(Sigma) / b (both from
 *       the per-sample gradients of the noise-scale computation, trusted after 5 noise batches)
 *   <li>{@code small_gradient} (1e-3) and {@code small_gradient_relative} (1e-2): without a noise estimate (batch
 *       of 1, {@code noise_every: 0}, a model without per-sample gradients, or zero noise) a gradient is small
 *       when its norm is at most the larger of the absolute bound and the relative bound times the largest
 *       smoothed gradient norm seen
 *   <li>{@code negative_curvature} (1e-3): lambda_min is clearly negative when below minus this times
 *       max(|lambda_max|, |lambda_min|)
 *   <li>{@code stability} (1.8): ill-conditioned when lr * lambda_max reaches this; above 2 (where gradient
 *       descent on a quadratic diverges) the state is UNSTABLE
 *   <li>{@code condition} (1000): a spread lambda_max / lambda_min+ this large, together with a flat loss and
 *       gradients that flip direction (mean cosine of consecutive gradients below {@code oscillation}, -0.3), is
 *       the ravine signature of ill-conditioning
 *   <li>{@code explode_factor} (50): exploding when the gradient norm exceeds this many times its smoothed mean
 *       (after {@code warmup}, 10 batches) or {@code explode_norm} (1e6), or the first/last layer gradient ratio
 *       exceeds 1 / {@code vanish_ratio}
 *   <li>{@code vanish_ratio} (1e-3): vanishing when ||grad first layer|| / ||grad last layer|| is below it
 *   <li>{@code saddle_escape}: {@code enabled} (false); after a probe found clearly negative curvature,
 *       {@code after_checks} (3): each step whose gradient is within its noise checks the curvature along the
 *       probe's eigenvector on its batch (one Hessian-vector product, paid from the budget); this many consecutive
 *       negative checks trigger a step of length {@code step} (0.1) along that eigenvector; when a check does not
 *       confirm it, {@code patience} (50) consecutive steps with the gradient within its noise and the loss not
 *       falling trigger a seeded perturbation uniform in the ball of radius {@code perturbation} (0.2) x sqrt(n)
 *       (see {@link SaddleEscape})
 * </ul>
 */
public record DiagnosticsConfig(
    boolean enabled,
    int probeEvery,
    boolean probeEveryExplicit,
    int probeWarmup,
    int probeMaxParams,
    int reservoir,
    int lanczosSteps,
    int eigenpairs,
    double budgetShare,
    int noiseEvery,
    long seed,
    double emaBeta,
    int lossWindow,
    double plateauTolerance,
    double noiseSnr,
    double smallGradient,
    double smallGradientRelative,
    double negativeCurvature,
    double stability,
    double condition,
    double oscillation,
    double explodeFactor,
    double explodeNorm,
    int warmup,
    double vanishRatio,
    boolean escapeEnabled,
    int escapeAfterChecks,
    double escapeStep,
    int escapePatience,
    double escapePerturbation) {

  /** The {@code saddle_escape} subsection's keys (given at all, it is enabled unless it says otherwise). */
  private static final Validators.Range POSITIVE =
      new Validators.Range(0.0, true, Double.POSITIVE_INFINITY, true, "a finite number > 0");
  static final ConfigDef ESCAPE = new ConfigDef();
  static final Key<Boolean> ESCAPE_ENABLED = ESCAPE.define("enabled", Types.BOOLEAN, true, "");
  static final Key<Integer> AFTER_CHECKS = ESCAPE.define("after_checks", Types.INT, 3,
      Validators.intRange(1, 1_000_000), "");
  static final Key<Double> STEP = ESCAPE.define("step", Types.DOUBLE, 0.1, POSITIVE, "");
  static final Key<Integer> PATIENCE = ESCAPE.define("patience", Types.INT, 50,
      Validators.intRange(1, Integer.MAX_VALUE), "");
  static final Key<Double> PERTURBATION = ESCAPE.define("perturbation", Types.DOUBLE, 0.2, POSITIVE, "");

  /** The {@code diagnostics} section's keys, each declared once with its default and its allowed values. */
  public static final ConfigDef SPEC = new ConfigDef();
  static final Key<Boolean> ENABLED = SPEC.define("enabled", Types.BOOLEAN, true, "");
  static final Key<Integer> PROBE_EVERY = SPEC.define("probe_every", Types.INT, 1,
      Validators.intRange(0, Integer.MAX_VALUE), "");
  static final Key<Integer> PROBE_WARMUP = SPEC.define("probe_warmup", Types.INT, 200,
      Validators.intRange(0, Integer.MAX_VALUE), "");
  static final Key<Integer> PROBE_MAX_PARAMS = SPEC.define("probe_max_params", Types.INT, 100_000,
      Validators.intRange(1, Integer.MAX_VALUE), "");
  static final Key<Integer> RESERVOIR = SPEC.define("reservoir", Types.INT, 256, Validators.intRange(1, 1_000_000),
      "");
  static final Key<Integer> LANCZOS_STEPS = SPEC.define("lanczos_steps", Types.INT, 20,
      Validators.intRange(1, 10_000), "");
  static final Key<Integer> EIGENPAIRS = SPEC.define("eigenpairs", Types.INT, 2, Validators.intRange(1, 100), "");
  static final Key<Double> BUDGET_SHARE = SPEC.define("budget_share", Types.DOUBLE, 0.20,
      Validators.range(0.0, true, 1.0, false), "");
  static final Key<Integer> NOISE_EVERY = SPEC.define("noise_every", Types.INT, 10,
      Validators.intRange(0, Integer.MAX_VALUE), "");
  static final Key<Long> SEED = SPEC.define("seed", Types.LONG, 0L, "");
  static final Key<Double> EMA_BETA = SPEC.define("ema_beta", Types.DOUBLE, 0.9,
      Validators.range(0.0, false, 1.0, true), "");
  static final Key<Integer> LOSS_WINDOW = SPEC.define("loss_window", Types.INT, 20, Validators.intRange(3, 100_000),
      "");
  static final Key<Double> PLATEAU_TOLERANCE = positive("plateau_tolerance", 0.01);
  static final Key<Double> NOISE_SNR = positive("noise_snr", 0.5);
  static final Key<Double> SMALL_GRADIENT = positive("small_gradient", 1e-3);
  static final Key<Double> SMALL_GRADIENT_RELATIVE = positive("small_gradient_relative", 1e-2);
  static final Key<Double> NEGATIVE_CURVATURE = positive("negative_curvature", 1e-3);
  static final Key<Double> STABILITY = positive("stability", 1.8);
  static final Key<Double> CONDITION = SPEC.define("condition", Types.DOUBLE, 1000.0,
      Validators.range(1.0, false, Double.MAX_VALUE, false), "");
  static final Key<Double> OSCILLATION = SPEC.define("oscillation", Types.DOUBLE, -0.3,
      Validators.range(-1.0, false, 1.0, false), "");
  static final Key<Double> EXPLODE_FACTOR = SPEC.define("explode_factor", Types.DOUBLE, 50.0,
      Validators.range(1.0, true, Double.MAX_VALUE, false), "");
  static final Key<Double> EXPLODE_NORM = positive("explode_norm", 1e6);
  static final Key<Integer> WARMUP = SPEC.define("warmup", Types.INT, 10, Validators.intRange(1, Integer.MAX_VALUE),
      "");
  static final Key<Double> VANISH_RATIO = SPEC.define("vanish_ratio", Types.DOUBLE, 1e-3,
      Validators.range(0.0, true, 1.0, true), "");
  static final Key<ConfigValues> SADDLE_ESCAPE = SPEC.optionalSection("saddle_escape", ESCAPE, v -> v, "");

  /** The section's key names, in declaration order. */
  public static final List<String> KEYS = SPEC.names();

  private static Key<Double> positive(String name, double dflt) {
    return SPEC.define(name, Types.DOUBLE, dflt, POSITIVE, "");
  }

  /** All defaults. */
  public static DiagnosticsConfig defaults() {
    return fromSpec(new SpecReader("diagnostics", Map.of()));
  }

  public static DiagnosticsConfig fromSpec(SpecReader r) {
    ConfigValues v = SPEC.parse(r);
    ConfigValues e = v.get(SADDLE_ESCAPE);
    boolean escape = e != null && e.get(ESCAPE_ENABLED);
    return new DiagnosticsConfig(v.get(ENABLED), v.get(PROBE_EVERY), v.has(PROBE_EVERY), v.get(PROBE_WARMUP),
        v.get(PROBE_MAX_PARAMS), v.get(RESERVOIR), v.get(LANCZOS_STEPS), v.get(EIGENPAIRS), v.get(BUDGET_SHARE),
        v.get(NOISE_EVERY), v.get(SEED), v.get(EMA_BETA), v.get(LOSS_WINDOW), v.get(PLATEAU_TOLERANCE),
        v.get(NOISE_SNR), v.get(SMALL_GRADIENT), v.get(SMALL_GRADIENT_RELATIVE), v.get(NEGATIVE_CURVATURE),
        v.get(STABILITY), v.get(CONDITION), v.get(OSCILLATION), v.get(EXPLODE_FACTOR), v.get(EXPLODE_NORM),
        v.get(WARMUP), v.get(VANISH_RATIO), escape,
        e == null ? ESCAPE_DEFAULTS.get(AFTER_CHECKS) : e.get(AFTER_CHECKS),
        e == null ? ESCAPE_DEFAULTS.get(STEP) : e.get(STEP),
        e == null ? ESCAPE_DEFAULTS.get(PATIENCE) : e.get(PATIENCE),
        e == null ? ESCAPE_DEFAULTS.get(PERTURBATION) : e.get(PERTURBATION));
  }

  private static final ConfigValues ESCAPE_DEFAULTS = ESCAPE.parse(new SpecReader("saddle_escape", Map.of()));

  /** The probe period for a model of {@code numParams} parameters: 0 (off) above the size limit unless explicit. */
  public int probeEveryFor(int numParams) {
    if (!enabled) {
      return 0;
    }
    if (!probeEveryExplicit && numParams > probeMaxParams) {
      return 0;
    }
    return probeEvery;
  }
}
