package io.streamtrain.core.schedule;

import java.util.Arrays;

/**
 * torch.optim.lr_scheduler.MultiStepLR: multiplies the lr by {@code gamma} when the step count reaches one of the
 * milestones. As in torch (which keeps them in a {@code Counter}), milestones may come in any order and a
 * milestone listed k times multiplies by {@code gamma^k}. Chainable form in {@code step()}, closed form
 * {@code base_lr * gamma^(number of milestones <= t)} only for {@code step(0)} inside a SequentialLR.
 */
public final class MultiStepLR extends ChainableScheduler {
  private final double gamma;
  /** Distinct milestones, ascending, and how often each was listed. */
  private final long[] milestones;
  private final int[] counts;
  /** All milestones with repetitions, ascending (torch's {@code sorted(Counter.elements())}). */
  private final long[] sortedAll;

  /**
   * @param milestones step indices, each {@code >= 0}; any order, repetitions multiply
   * @param gamma multiplicative factor, finite and {@code >= 0} (torch default 0.1)
   */
  public MultiStepLR(double baseLr, long[] milestones, double gamma) {
    super(baseLr);
    this.gamma = Args.finiteAtLeast("gamma", gamma, 0.0);
    sortedAll = milestones.clone();
    for (int i = 0; i < sortedAll.length; i++) {
      Args.atLeast("milestones[" + i + "]", sortedAll[i], 0);
    }
    Arrays.sort(sortedAll);
    int distinct = 0;
    for (int i = 0; i < sortedAll.length; i++) {
      if (i == 0 || sortedAll[i] != sortedAll[i - 1]) {
        distinct++;
      }
    }
    this.milestones = new long[distinct];
    this.counts = new int[distinct];
    int j = -1;
    for (int i = 0; i < sortedAll.length; i++) {
      if (i == 0 || sortedAll[i] != sortedAll[i - 1]) {
        this.milestones[++j] = sortedAll[i];
      }
      this.counts[j]++;
    }
    initialStep();
  }

  @Override
  public String type() {
    return "MultiStepLR";
  }

  @Override
  double chainedLr(double groupLr) {
    int i = Arrays.binarySearch(milestones, lastEpoch);
    if (i < 0) {
      return groupLr;
    }
    // torch: group['lr'] * self.gamma ** self.milestones[self.last_epoch] (float ** int is C pow)
    return groupLr * StrictMath.pow(gamma, counts[i]);
  }

  @Override
  double closedFormLr() {
    return baseLr * StrictMath.pow(gamma, bisectRight(sortedAll, lastEpoch));
  }

  /** Python's {@code bisect.bisect_right}: the number of elements {@code <= x} in a sorted array. */
  static int bisectRight(long[] a, long x) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (x < a[mid]) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }
}
