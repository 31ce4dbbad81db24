package io.streamtrain.core.metric;

/**
 * Exact ROC AUC of two sorted score arrays: the Mann-Whitney U statistic divided by P*N, i.e. the probability that
 * a random positive scores above a random negative, ties counted one half (Mann and Whitney 1947; Hanley and
 * McNeil 1982, "The meaning and use of the area under a ROC curve"). Equal to the rank-sum formula
 * {@code (R_pos - P(P+1)/2) / (P N)} with mid-ranks for ties. One merge sweep over the sorted arrays: O(P + N), no
 * allocation.
 */
public final class RankAuc {
  private RankAuc() {}

  /**
   * AUC of positives {@code pos[0..p)} and negatives {@code neg[0..n)}, both sorted ascending; NaN when either
   * class is empty (AUC is undefined with one class).
   */
  public static double sorted(double[] pos, int p, double[] neg, int n) {
    if (p == 0 || n == 0) {
      return Double.NaN;
    }
    // For each positive score s: negatives strictly below s count 1, equal to s count 1/2.
    double u = 0;
    int below = 0;
    int i = 0;
    while (i < p) {
      double s = pos[i];
      while (below < n && neg[below] < s) {
        below++;
      }
      int equal = 0;
      while (below + equal < n && neg[below + equal] == s) {
        equal++;
      }
      // All positives with this same score share the counts.
      int j = i;
      while (j < p && pos[j] == s) {
        j++;
      }
      u += (j - i) * (below + 0.5 * equal);
      i = j;
    }
    return u / ((double) p * n);
  }
}
