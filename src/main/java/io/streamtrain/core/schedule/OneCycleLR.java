package io.streamtrain.core.schedule;

import io.streamtrain.core.SpecException;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * torch.optim.lr_scheduler.OneCycleLR, the 1cycle policy (Smith and Topin, "Super-Convergence", arXiv:1708.07120;
 * two phases by default as in fastai, three with {@code three_phase}): the lr is annealed from
 * {@code max_lr / div_factor} up to {@code max_lr} over {@code pct_start} of {@code total_steps}, then down to
 * {@code initial_lr / final_div_factor}; with {@code cycle_momentum} the momentum (SGD/RMSprop momentum or Adam
 * beta1) moves inversely between {@code max_momentum} and {@code base_momentum}. The optimizer's own lr and momentum
 * are ignored and overwritten, exactly as torch does. Phase boundaries and the cos/linear annealing follow torch's
 * {@code get_lr()} to the operation; like torch it may be stepped up to {@code total_steps} times.
 */
public final class OneCycleLR extends ChainableScheduler {
  /** Annealing between two values, torch's {@code anneal_strategy}. */
  public enum Anneal {
    COS,
    LINEAR
  }

  private final long totalSteps;
  private final Anneal anneal;
  private final boolean cycleMomentum;
  /** Per phase: end step (torch keeps it as a float) and the start/end lr and momentum. */
  private final double[] endStep;
  private final double[] startLr;
  private final double[] endLr;
  private final double[] startMom;
  private final double[] endMom;
  private double momentum = Double.NaN;

  /**
   * @param maxLr peak lr, finite and {@code >= 0}
   * @param totalSteps number of steps in the cycle, {@code >= 1}
   * @param pctStart fraction of the cycle spent increasing the lr, in [0, 1] (torch default 0.3)
   * @param baseMomentum momentum at the lr peak, in [0, 1] (torch default 0.85)
   * @param maxMomentum momentum at the start and end, in [0, 1] (torch default 0.95)
   * @param divFactor {@code initial_lr = max_lr / div_factor}, finite and {@code > 0} (torch default 25)
   * @param finalDivFactor {@code min_lr = initial_lr / final_div_factor}, finite and {@code > 0} (torch 1e4)
   */
  public OneCycleLR(
      double maxLr,
      long totalSteps,
      double pctStart,
      Anneal anneal,
      boolean cycleMomentum,
      double baseMomentum,
      double maxMomentum,
      double divFactor,
      double finalDivFactor,
      boolean threePhase) {
    super(Args.finiteAtLeast("max_lr", maxLr, 0.0));
    this.totalSteps = Args.atLeast("total_steps", totalSteps, 1);
    Args.range("pct_start", pctStart, 0.0, false, 1.0, false);
    this.anneal = anneal;
    this.cycleMomentum = cycleMomentum;
    Args.range("base_momentum", baseMomentum, 0.0, false, 1.0, false);
    Args.range("max_momentum", maxMomentum, 0.0, false, 1.0, false);
    Args.finiteAbove("div_factor", divFactor, 0.0);
    Args.finiteAbove("final_div_factor", finalDivFactor, 0.0);
    double initialLr = maxLr / divFactor;
    double minLr = initialLr / finalDivFactor;
    // torch: 'end_step': float(pct_start * total_steps) - 1, float(2 * pct_start * total_steps) - 2, total_steps - 1
    double end1 = pctStart * totalSteps - 1;
    if (threePhase) {
      endStep = new double[] {end1, 2 * pctStart * totalSteps - 2, totalSteps - 1};
      startLr = new double[] {initialLr, maxLr, initialLr};
      endLr = new double[] {maxLr, initialLr, minLr};
      startMom = new double[] {maxMomentum, baseMomentum, maxMomentum};
      endMom = new double[] {baseMomentum, maxMomentum, maxMomentum};
    } else {
      endStep = new double[] {end1, totalSteps - 1};
      startLr = new double[] {initialLr, maxLr};
      endLr = new double[] {maxLr, minLr};
      startMom = new double[] {maxMomentum, baseMomentum};
      endMom = new double[] {baseMomentum, maxMomentum};
    }
    // torch divides by (end_step - start_step) of the selected phase and raises ZeroDivisionError when it is 0;
    // the first phase is selected at step 0 when its end is 0, the last one at step total_steps.
    if (end1 == 0.0) {
      throw new SpecException(
          "pct_start",
          pctStart,
          "allowed: pct_start * total_steps != 1 (torch fails with ZeroDivisionError: the warm-up phase has length"
              + " 0)");
    }
    int last = endStep.length - 1;
    if (endStep[last] == endStep[last - 1]) {
      throw new SpecException(
          "pct_start",
          pctStart,
          "allowed: a value that leaves the last phase a non-zero length (torch fails with ZeroDivisionError)");
    }
    initialStep();
  }

  @Override
  public String type() {
    return "OneCycleLR";
  }

  @Override
  public boolean cyclesMomentum() {
    return cycleMomentum;
  }

  @Override
  public double currentMomentum() {
    return cycleMomentum ? momentum : Double.NaN;
  }

  /** The number of steps in the cycle; {@link #step()} may be called this many times. */
  public long totalSteps() {
    return totalSteps;
  }

  @Override
  public void step() {
    if (lastEpoch >= totalSteps) {
      // torch: ValueError("Tried to step {} times. The specified number of total steps is {}")
      throw new IllegalStateException(
          "OneCycleLR: tried to step " + (lastEpoch + 2) + " times; total_steps is " + totalSteps);
    }
    super.step();
  }

  @Override
  double chainedLr(double groupLr) {
    double stepNum = lastEpoch;
    double startStep = 0;
    int last = endStep.length - 1;
    for (int i = 0; i <= last; i++) {
      double end = endStep[i];
      if (stepNum <= end || i == last) {
        double pct = (stepNum - startStep) / (end - startStep);
        if (cycleMomentum) {
          momentum = anneal(startMom[i], endMom[i], pct);
        }
        return anneal(startLr[i], endLr[i], pct);
      }
      startStep = end;
    }
    throw new AssertionError("unreachable: the last phase always matches");
  }

  @Override
  double closedFormLr() {
    return chainedLr(Double.NaN);
  }

  private double anneal(double start, double end, double pct) {
    if (anneal == Anneal.COS) {
      // torch _annealing_cos: end + (start - end) / 2.0 * (cos(pi * pct) + 1)
      double cosOut = StrictMath.cos(Math.PI * pct) + 1;
      return end + (start - end) / 2.0 * cosOut;
    }
    // torch _annealing_linear: (end - start) * pct + start
    return (end - start) * pct + start;
  }

  @Override
  void writeExtra(DataOutput out) throws IOException {
    out.writeDouble(momentum);
  }

  @Override
  void readExtra(DataInput in) throws IOException {
    momentum = in.readDouble();
  }
}
