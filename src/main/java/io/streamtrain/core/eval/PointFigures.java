package io.streamtrain.core.eval;

import io.streamtrain.core.metric.ConfusionMatrix;
import io.streamtrain.core.metric.Evaluation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The figures an {@link EvalPoint} carries, by name, in this order: the evaluation's; with a test split the test
 * part's cumulative ones as {@code test_*} (NaN until the first test sample); with a drift watch its cumulative
 * {@code drift_warnings} and {@code drift_detections}; on the final point the confusion matrix (of the test part
 * when there is one) as {@code confusion.i.j}, row-major.
 */
final class PointFigures {
  private final Evaluation evaluation;
  private final double[] scratch;
  private Evaluation test;
  private int[] testPick;
  private boolean drift;
  private String[] names;

  PointFigures(Evaluation evaluation) {
    this.evaluation = evaluation;
    this.scratch = new double[evaluation.size()];
    this.names = evaluation.names();
  }

  /** Adds the cumulative figures of {@code test}, the test part's evaluation. */
  void addTest(Evaluation test) {
    this.test = test;
    String[] all = test.names();
    List<Integer> pick = new ArrayList<>();
    for (int i = 0; i < all.length; i++) {
      if (!all[i].startsWith("window_") && !all[i].startsWith("fading_")) {
        pick.add(i);
      }
    }
    testPick = pick.stream().mapToInt(Integer::intValue).toArray();
    String[] n = Arrays.copyOf(evaluation.names(), evaluation.size() + testPick.length);
    for (int i = 0; i < testPick.length; i++) {
      n[evaluation.size() + i] = "test_" + all[testPick[i]];
    }
    names = drift ? driftNames(n) : n;
  }

  /** Adds the drift watch's counts. */
  void addDrift() {
    drift = true;
    names = driftNames(names);
  }

  private static String[] driftNames(String[] names) {
    String[] n = Arrays.copyOf(names, names.length + 2);
    n[names.length] = "drift_warnings";
    n[names.length + 1] = "drift_detections";
    return n;
  }

  /** A point with the figures as they are now; {@code watch} is the drift watch when one was added. */
  EvalPoint point(String configName, String modelId, String kind, long steps, long rejected, long minTime,
      long maxTime, DriftTrack watch, boolean last) {
    evaluation.values(scratch);
    String[] n = names;
    double[] values = Arrays.copyOf(scratch, n.length);
    if (test != null) {
      double[] t = new double[test.size()];
      test.values(t);
      for (int i = 0; i < testPick.length; i++) {
        values[evaluation.size() + i] = test.samples() > 0 ? t[testPick[i]] : Double.NaN;
      }
    }
    if (drift) {
      values[n.length - 2] = watch.monitor().warnings;
      values[n.length - 1] = watch.monitor().detections;
    }
    ConfusionMatrix cm = test != null ? test.confusion() : evaluation.confusion();
    if (last && cm != null) {
      int kk = cm.classes();
      int base = n.length;
      n = Arrays.copyOf(n, base + kk * kk);
      values = Arrays.copyOf(values, base + kk * kk);
      for (int i = 0; i < kk; i++) {
        for (int j = 0; j < kk; j++) {
          n[base + i * kk + j] = "confusion." + i + "." + j;
          values[base + i * kk + j] = cm.count(i, j);
        }
      }
    }
    return new EvalPoint(configName, modelId, kind, evaluation.samples(), steps, rejected, minTime, maxTime, n,
        values, last);
  }
}
