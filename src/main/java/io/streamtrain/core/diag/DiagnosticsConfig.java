package io.streamtrain.core.diag;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import java.util.List;
import java.util.Map;

/**
 * Settings of the training diagnostics (the {@code diagnostics:} section of a job spec), parsed and validated once
 * from a plain map; every key has a documented default, so an empty map is a sensible configuration:
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

  public static final List<String> KEYS = List.of("enabled", "probe_every", "probe_warmup", "probe_max_params", "reservoir",
      "lanczos_steps", "eigenpairs", "budget_share", "noise_every", "seed", "ema_beta", "loss_window",
      "plateau_tolerance", "noise_snr", "small_gradient", "small_gradient_relative", "negative_curvature", "stability",
      "condition", "oscillation", "explode_factor", "explode_norm", "warmup", "vanish_ratio", "saddle_escape");

  /** All defaults. */
  public static DiagnosticsConfig defaults() {
    return fromSpec(new SpecReader("diagnostics", Map.of()));
  }

  public static DiagnosticsConfig fromSpec(SpecReader r) {
    r.rejectUnknown(KEYS);
    boolean enabled = r.getBoolean("enabled", true);
    boolean explicit = r.has("probe_every");
    int probeEvery = r.getInt("probe_every", 1, 0, Integer.MAX_VALUE);
    int probeWarmup = r.getInt("probe_warmup", 200, 0, Integer.MAX_VALUE);
    int probeMax = r.getInt("probe_max_params", 100_000, 1, Integer.MAX_VALUE);
    int reservoir = r.getInt("reservoir", 256, 1, 1_000_000);
    int steps = r.getInt("lanczos_steps", 20, 1, 10_000);
    int pairs = r.getInt("eigenpairs", 2, 1, 100);
    double share = r.getDouble("budget_share", 0.20, 0.0, true, 1.0, false);
    int noiseEvery = r.getInt("noise_every", 10, 0, Integer.MAX_VALUE);
    long seed = r.getLong("seed", 0L);
    double beta = r.getDouble("ema_beta", 0.9, 0.0, false, 1.0, true);
    int window = r.getInt("loss_window", 20, 3, 100_000);
    double plateau = positive(r, "plateau_tolerance", 0.01);
    double snr = positive(r, "noise_snr", 0.5);
    double small = positive(r, "small_gradient", 1e-3);
    double smallRel = positive(r, "small_gradient_relative", 1e-2);
    double neg = positive(r, "negative_curvature", 1e-3);
    double stability = positive(r, "stability", 1.8);
    double condition = r.getDouble("condition", 1000.0, 1.0, false, Double.MAX_VALUE, false);
    double oscillation = r.getDouble("oscillation", -0.3, -1.0, false, 1.0, false);
    double explodeFactor = r.getDouble("explode_factor", 50.0, 1.0, true, Double.MAX_VALUE, false);
    double explodeNorm = positive(r, "explode_norm", 1e6);
    int warmup = r.getInt("warmup", 10, 1, Integer.MAX_VALUE);
    double vanish = r.getDouble("vanish_ratio", 1e-3, 0.0, true, 1.0, true);
    boolean escape = false;
    int after = 3;
    double step = 0.1;
    int patience = 50;
    double perturbation = 0.2;
    if (r.has("saddle_escape")) {
      SpecReader e = r.child("saddle_escape");
      e.rejectUnknown("enabled", "after_checks", "step", "patience", "perturbation");
      escape = e.getBoolean("enabled", true);
      after = e.getInt("after_checks", 3, 1, 1_000_000);
      step = positive(e, "step", 0.1);
      patience = e.getInt("patience", 50, 1, Integer.MAX_VALUE);
      perturbation = positive(e, "perturbation", 0.2);
    }
    return new DiagnosticsConfig(enabled, probeEvery, explicit, probeWarmup, probeMax, reservoir, steps, pairs,
        share, noiseEvery, seed, beta, window, plateau, snr, small, smallRel, neg, stability, condition, oscillation,
        explodeFactor, explodeNorm, warmup, vanish, escape, after, step, patience, perturbation);
  }

  private static double positive(SpecReader r, String key, double dflt) {
    double v = r.getDouble(key, dflt);
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new SpecException(r.key(key), v, "allowed: a finite number > 0");
    }
    return v;
  }

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
