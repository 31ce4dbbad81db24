package io.streamtrain.core.metric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Streaming metrics against closed forms and independent computations: AUC against the O(n^2) Mann-Whitney pair
 * count and the rank-sum formula with mid-ranks, sliding and fading forms against direct recomputation over the
 * window or with explicit weights alpha^age.
 */
class StreamingMetricsTest {

  /** Independent AUC 1: count every positive-negative pair (ties 1/2), optionally weighted. */
  static double pairAuc(double[] s, double[] y, double[] w, int from, int to) {
    double u = 0;
    double wp = 0;
    double wn = 0;
    for (int i = from; i < to; i++) {
      if (y[i] == 1) {
        wp += w[i];
      } else {
        wn += w[i];
      }
    }
    for (int i = from; i < to; i++) {
      if (y[i] != 1) {
        continue;
      }
      for (int j = from; j < to; j++) {
        if (y[j] == 1) {
          continue;
        }
        double c = s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
        u += w[i] * w[j] * c;
      }
    }
    return u / (wp * wn);
  }

  /** Independent AUC 2: the rank-sum formula (R_pos - P(P+1)/2) / (P N) with mid-ranks for ties. */
  static double rankSumAuc(double[] s, double[] y) {
    int n = s.length;
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (a, b) -> Double.compare(s[a], s[b]));
    double[] rank = new double[n];
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && s[idx[j + 1]] == s[idx[i]]) {
        j++;
      }
      double mid = (i + 1 + j + 1) / 2.0;
      for (int k = i; k <= j; k++) {
        rank[idx[k]] = mid;
      }
      i = j + 1;
    }
    double rPos = 0;
    long p = 0;
    for (int k = 0; k < n; k++) {
      if (y[k] == 1) {
        rPos += rank[k];
        p++;
      }
    }
    long q = n - p;
    return (rPos - p * (p + 1) / 2.0) / ((double) p * q);
  }

  @Test
  void aucOfTheScikitLearnExampleIsThreeQuarters() {
    // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75 (its documented example).
    StreamingMetrics m = StreamingMetrics.cumulative(Task.BINARY, 0.5);
    double[] s = {0.1, 0.4, 0.35, 0.8};
    double[] y = {0, 0, 1, 1};
    for (int i = 0; i < 4; i++) {
      m.addBinary(s[i], y[i]);
    }
    assertThat(m.auc()).isEqualTo(0.75);
  }

  @Test
  void cumulativeAucEqualsPairCountAndRankSumWithTies() {
    SplittableRandom r = new SplittableRandom(11);
    int n = 3000;
    double[] s = new double[n];
    double[] y = new double[n];
    double[] w = new double[n];
    StreamingMetrics m = StreamingMetrics.cumulative(Task.BINARY, 0.5);
    for (int i = 0; i < n; i++) {
      y[i] = r.nextDouble() < 0.3 ? 1 : 0;
      // Rounded scores so ties are frequent, informative so the AUC is away from 1/2.
      s[i] = Math.round(Math.min(1, Math.max(0, 0.35 + 0.3 * y[i] + 0.25 * r.nextGaussian())) * 50) / 50.0;
      w[i] = 1;
      m.addBinary(s[i], y[i]);
      if (i == 500) {
        assertThat(m.auc()).isCloseTo(pairAuc(s, y, w, 0, i + 1), within(1e-12));
      }
    }
    double expected = pairAuc(s, y, w, 0, n);
    assertThat(expected).isBetween(0.7, 0.95);
    assertThat(m.auc()).isCloseTo(expected, within(1e-12));
    assertThat(m.auc()).isCloseTo(rankSumAuc(s, y), within(1e-12));
  }

  @Test
  void cumulativeAucStaysExactWhenReadOftenBetweenUpdates() {
    // Each read sorts only the new tail and merges it into the sorted rest: check the merge on every read.
    SplittableRandom r = new SplittableRandom(23);
    int n = 1200;
    double[] s = new double[n];
    double[] y = new double[n];
    double[] w = new double[n];
    StreamingMetrics m = StreamingMetrics.cumulative(Task.BINARY, 0.5);
    for (int i = 0; i < n; i++) {
      y[i] = r.nextDouble() < 0.5 ? 1 : 0;
      s[i] = Math.round((0.5 + 0.2 * (y[i] - 0.5) + 0.3 * r.nextGaussian()) * 20) / 20.0;
      w[i] = 1;
      m.addBinary(s[i], y[i]);
      if (i % 37 == 36 || i == n - 1) {
        assertThat(m.auc()).isCloseTo(pairAuc(s, y, w, 0, i + 1), within(1e-12));
      }
    }
  }

  @Test
  void aucIsUndefinedWithOneClass() {
    StreamingMetrics m = StreamingMetrics.cumulative(Task.BINARY, 0.5);
    m.addBinary(0.3, 1);
    m.addBinary(0.9, 1);
    assertThat(m.auc()).isNaN();
  }

  @Test
  void windowFormEqualsDirectComputationOverTheLastSamples() {
    SplittableRandom r = new SplittableRandom(5);
    int n = 5000;
    int w = 700;
    double[] s = new double[n];
    double[] y = new double[n];
    double[] ones = new double[n];
    Arrays.fill(ones, 1);
    StreamingMetrics m = StreamingMetrics.window(Task.BINARY, w, 0.6);
    for (int i = 0; i < n; i++) {
      y[i] = r.nextDouble() < 0.5 ? 1 : 0;
      s[i] = 1 / (1 + Math.exp(-(2 * y[i] - 1 + 1.5 * r.nextGaussian())));
      m.addBinary(s[i], y[i]);
      if (i == 300 || i == 2345 || i == n - 1) {
        int from = Math.max(0, i + 1 - w);
        double loss = 0;
        int correct = 0;
        int tp = 0;
        int fp = 0;
        int fn = 0;
        for (int k = from; k <= i; k++) {
          loss += y[k] == 1 ? -Math.log(s[k]) : -Math.log(1 - s[k]);
          correct += (s[k] > 0.5) == (y[k] == 1) ? 1 : 0;
          boolean pp = s[k] >= 0.6;
          tp += pp && y[k] == 1 ? 1 : 0;
          fp += pp && y[k] != 1 ? 1 : 0;
          fn += !pp && y[k] == 1 ? 1 : 0;
        }
        int cnt = i + 1 - from;
        assertThat(m.count()).isEqualTo(cnt);
        assertThat(m.meanLoss()).isCloseTo(loss / cnt, within(1e-12));
        assertThat(m.accuracy()).isCloseTo((double) correct / cnt, within(1e-12));
        assertThat(m.precision()).isCloseTo((double) tp / (tp + fp), within(1e-12));
        assertThat(m.recall()).isCloseTo((double) tp / (tp + fn), within(1e-12));
        assertThat(m.auc()).isCloseTo(pairAuc(s, y, ones, from, i + 1), within(1e-12));
      }
    }
  }

  @Test
  void fadingFormWeightsEachSampleByAlphaToItsAge() {
    SplittableRandom r = new SplittableRandom(9);
    int n = 2000;
    double alpha = 0.995;
    double[] s = new double[n];
    double[] y = new double[n];
    StreamingMetrics m = StreamingMetrics.fading(Task.BINARY, alpha, 0.5);
    for (int i = 0; i < n; i++) {
      y[i] = r.nextDouble() < 0.4 ? 1 : 0;
      // Scores on bin centres of the 1000-bin histogram: no two differing scores share a bin, so exact.
      int bin = (int) Math.min(999, Math.max(0, (0.4 + 0.2 * y[i] + 0.2 * r.nextGaussian()) * 1000));
      s[i] = (bin + 0.5) / 1000;
      m.addBinary(s[i], y[i]);
    }
    double[] w = new double[n];
    double loss = 0;
    double correct = 0;
    double total = 0;
    for (int i = 0; i < n; i++) {
      w[i] = Math.pow(alpha, n - 1 - i);
      loss += w[i] * (y[i] == 1 ? -Math.log(s[i]) : -Math.log(1 - s[i]));
      correct += (s[i] > 0.5) == (y[i] == 1) ? w[i] : 0;
      total += w[i];
    }
    assertThat(m.count()).isCloseTo(total, within(1e-9));
    assertThat(m.meanLoss()).isCloseTo(loss / total, within(1e-12));
    assertThat(m.accuracy()).isCloseTo(correct / total, within(1e-12));
    assertThat(m.auc()).isCloseTo(pairAuc(s, y, w, 0, n), within(1e-12));
  }

  @Test
  void fadingAucSurvivesRescalingOverLongStreams() {
    // alpha = 0.5: the inverse scale passes 1e150 after ~500 samples and is renormalized many times.
    FadingAuc f = new FadingAuc(0.5, 10);
    for (int i = 0; i < 10_000; i++) {
      f.add(0.05, false);
      f.add(0.95, true);
    }
    assertThat(f.value()).isEqualTo(1.0);
    f.add(0.95, false);
    // The last negative outweighs (weight 1) the rest of its class (total 1/2+1/4+... ~ 1): about half a tie.
    assertThat(f.value()).isBetween(0.6, 0.8);
  }

  @Test
  void logLossPrecisionRecallAndAccuracyOnAFixedSet() {
    StreamingMetrics m = StreamingMetrics.cumulative(Task.BINARY, 0.5);
    double[] p = {0.9, 0.2, 0.6, 0.4, 0.5};
    double[] y = {1, 0, 0, 1, 1};
    for (int i = 0; i < p.length; i++) {
      m.addBinary(p[i], y[i]);
    }
    double ll = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.4) + Math.log(0.4) + Math.log(0.5)) / 5;
    assertThat(m.meanLoss()).isCloseTo(ll, within(1e-15));
    // Correct (p > 0.5 means class 1): 0.9/1 yes, 0.2/0 yes, 0.6/0 no, 0.4/1 no, 0.5/1 no.
    assertThat(m.accuracy()).isEqualTo(0.4);
    // Predicted positive by the same rule (p > 0.5), so p = 0.5 is negative for all three figures:
    // 0.9/1 TP, 0.6/0 FP; 0.4/1 FN, 0.5/1 FN.
    assertThat(m.precision()).isCloseTo(1.0 / 2, within(1e-15));
    assertThat(m.recall()).isCloseTo(1.0 / 3, within(1e-15));
  }

  @Test
  void logLossIsClippedLikeScikitLearn() {
    StreamingMetrics m = StreamingMetrics.cumulative(Task.BINARY, 0.5);
    m.addBinary(0.0, 1);
    assertThat(m.meanLoss()).isCloseTo(-Math.log(1e-15), within(1e-9));
  }

  @Test
  void regressionRmseAndMae() {
    StreamingMetrics m = StreamingMetrics.cumulative(Task.REGRESSION, 0.5);
    double[] pred = {1, 2, 3, 4};
    double[] y = {1.5, 1, 3, 6};
    for (int i = 0; i < 4; i++) {
      m.addRegression(pred[i], y[i]);
    }
    // errors -0.5, 1, 0, -2: squares 0.25, 1, 0, 4 (mean 1.3125); absolute 3.5 / 4.
    assertThat(m.meanLoss()).isEqualTo(1.3125);
    assertThat(m.rmse()).isEqualTo(Math.sqrt(1.3125));
    assertThat(m.mae()).isEqualTo(0.875);
    assertThat(m.accuracy()).isNaN();
  }

  @Test
  void multiClassThroughEvaluation() {
    Evaluation e = new Evaluation(Task.MULTICLASS, 3, new MetricsSpec(2, 0.5, 0.5, 10));
    e.add(new double[] {0.2, 0.7, 0.1}, 0, 3, 1);
    e.add(new double[] {0.5, 0.3, 0.2}, 0, 3, 2);
    e.add(new double[] {0.1, 0.1, 0.8}, 0, 3, 2);
    double[] v = new double[e.size()];
    e.values(v);
    assertThat(e.names()).containsExactly("log_loss", "accuracy", "window_log_loss", "window_accuracy",
        "fading_log_loss", "fading_accuracy", "macro_f1", "balanced_accuracy");
    assertThat(v[0]).isCloseTo(-(Math.log(0.7) + Math.log(0.2) + Math.log(0.8)) / 3, within(1e-15));
    assertThat(v[1]).isCloseTo(2.0 / 3, within(1e-15));
    assertThat(v[2]).isCloseTo(-(Math.log(0.2) + Math.log(0.8)) / 2, within(1e-15));
    assertThat(v[3]).isEqualTo(0.5);
    // Fading with alpha 1/2: weights 1/4, 1/2, 1 for the three samples.
    assertThat(v[4]).isCloseTo(-(0.25 * Math.log(0.7) + 0.5 * Math.log(0.2) + Math.log(0.8)) / 1.75, within(1e-15));
    assertThat(v[5]).isCloseTo(1.25 / 1.75, within(1e-15));
    // Predicted (argmax) 1, 0, 2 for true 1, 2, 2: F1 per class 0, 1, 2/3 (class 0 only predicted), so macro-F1
    // 5/9; recall over the true classes 1 and 2: 1 and 1/2, balanced accuracy 3/4 (scikit-learn's f1_score
    // average="macro" and balanced_accuracy_score give the same on these labels).
    assertThat(v[6]).isCloseTo(5.0 / 9, within(1e-15));
    assertThat(v[7]).isEqualTo(0.75);
    assertThat(e.confusion().count(2, 0)).isEqualTo(1);
    assertThat(e.samples()).isEqualTo(3);
  }

  @Test
  void slidingSumsStayExactOverManyEvictions() {
    StreamingMetrics m = StreamingMetrics.window(Task.REGRESSION, 3, 0.5);
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < 100_000; i++) {
      m.addRegression(1e8 * r.nextDouble(), 0);
    }
    m.addRegression(1, 0);
    m.addRegression(2, 0);
    m.addRegression(3, 0);
    assertThat(m.mae()).isEqualTo(2.0);
    assertThat(m.meanLoss()).isCloseTo(14.0 / 3, within(1e-12));
  }
}
