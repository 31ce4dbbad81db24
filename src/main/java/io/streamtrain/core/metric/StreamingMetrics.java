package io.streamtrain.core.metric;

import java.util.Arrays;

/**
 * All metrics of one {@link Task} in one form: cumulative (everything since the start), sliding window (the last
 * W samples, exact) or fading (each sample weighted {@code alpha^age}, River's and MOA's "fading factor"; Gama,
 * Sebastiao and Rodrigues, "On evaluating stream learning algorithms", Machine Learning 90, 2013). Every sample
 * counts once, unweighted (sample weights steer training, not the figures).
 *
 * <p>Definitions. Log loss {@code -[y ln p + (1-y) ln(1-p)]} (binary) or {@code -ln p_y} (classes), p clipped to
 * [1e-15, 1 - 1e-15] as scikit-learn and River do. Accuracy: the class of highest probability (binary: p &gt;
 * 0.5, the trainer's progressive-accuracy rule). Precision {@code TP/(TP+FP)} and recall {@code TP/(TP+FN)} with
 * "predicted positive" meaning p &gt; threshold (strictly, so at the default 0.5 a prediction of exactly 0.5 is
 * negative for accuracy, precision and recall alike, as scikit-learn's predict); NaN when the denominator is 0. AUC: cumulative and window exact
 * ({@link RankAuc}, from all scores kept), fading by the binned approximation of {@link FadingAuc}. RMSE and MAE
 * from the mean squared and absolute errors.
 *
 * <p>Costs. Updates are O(1) and allocation-free, except the cumulative AUC, which keeps every score (8 bytes a
 * sample, arrays doubling as they grow) so that it stays exact; reading the AUC sorts the scores added since the
 * last read and merges them into the sorted rest (O(n) per read, at report time only). Sliding sums are kept
 * running (add the new term, subtract the evicted one) but recounted exactly from the ring whenever they are read: subtraction cancels catastrophically after a large
 * term leaves the window, and a read is a report (every N samples), so the recount costs O(W / N) per sample.
 */
public final class StreamingMetrics {
  /** The three forms. */
  public enum Form {
    CUMULATIVE,
    WINDOW,
    FADING
  }

  static final double EPS = 1e-15;
  private static final int FADING_AUC_BINS = 1000;

  private final Task task;
  private final Form form;
  private final double alpha;
  private final double threshold;
  // Sums (cumulative / window) or exponentially weighted sums (fading).
  private double n;
  private double loss;
  private double correct;
  private double absErr;
  private double sqErr;
  private double tp;
  private double fp;
  private double fn;
  // Window ring: per-sample terms.
  private final int window;
  private double[] rLoss;
  private double[] rAbs;
  private double[] rSq;
  private double[] rScore;
  private byte[] rFlags;
  private int head;
  private int filled;
  private boolean dirty;
  // AUC.
  private double[] pos;
  private double[] neg;
  private int np;
  private int nn;
  private FadingAuc fadingAuc;
  // Cumulative AUC: pos[0..sortedP) and neg[0..sortedN) are already sorted; only the tail is sorted and merged.
  private int sortedP;
  private int sortedN;
  private double[] mergeScratch = new double[0];

  private StreamingMetrics(Task task, Form form, int window, double alpha, double threshold) {
    this.task = task;
    this.form = form;
    this.window = window;
    this.alpha = alpha;
    this.threshold = threshold;
    if (form == Form.WINDOW) {
      rLoss = new double[window];
      rAbs = new double[window];
      rSq = new double[window];
      rScore = new double[window];
      rFlags = new byte[window];
    }
    if (task == Task.BINARY) {
      if (form == Form.FADING) {
        fadingAuc = new FadingAuc(alpha, FADING_AUC_BINS);
      } else {
        int cap = form == Form.WINDOW ? window : 1024;
        pos = new double[cap];
        neg = new double[cap];
      }
    }
  }

  public static StreamingMetrics cumulative(Task task, double threshold) {
    return new StreamingMetrics(task, Form.CUMULATIVE, 0, 1.0, threshold);
  }

  public static StreamingMetrics window(Task task, int size, double threshold) {
    if (size < 1) {
      throw new IllegalArgumentException("window must be >= 1, got " + size);
    }
    return new StreamingMetrics(task, Form.WINDOW, size, 1.0, threshold);
  }

  public static StreamingMetrics fading(Task task, double alpha, double threshold) {
    if (!(alpha > 0 && alpha <= 1)) {
      throw new IllegalArgumentException("fading alpha must be in (0, 1], got " + alpha);
    }
    return new StreamingMetrics(task, Form.FADING, 0, alpha, threshold);
  }

  public Task task() {
    return task;
  }

  public Form form() {
    return form;
  }

  private static final byte CORRECT = 1;
  private static final byte POSITIVE = 2;
  private static final byte PREDICTED_POSITIVE = 4;

  /**
   * One binary prediction: {@code p} = P(y = 1), {@code label} 0 or 1.
   */
  public void addBinary(double p, double label) {
    boolean positive = label == 1.0;
    double pc = Math.min(Math.max(p, EPS), 1 - EPS);
    double l = positive ? -Math.log(pc) : -Math.log(1 - pc);
    boolean correctNow = (p > 0.5) == positive;
    boolean predictedPositive = p > threshold;
    byte flags = (byte) ((correctNow ? CORRECT : 0) | (positive ? POSITIVE : 0)
        | (predictedPositive ? PREDICTED_POSITIVE : 0));
    add(l, 0, 0, p, flags);
  }

  /** One multi-class prediction: {@code pTrue} = the probability given to the true class. */
  public void addClass(double pTrue, boolean correctNow) {
    double pc = Math.min(Math.max(pTrue, EPS), 1 - EPS);
    add(-Math.log(pc), 0, 0, Double.NaN, correctNow ? CORRECT : 0);
  }

  /** One regression prediction. */
  public void addRegression(double prediction, double label) {
    double e = prediction - label;
    add(e * e, Math.abs(e), e * e, Double.NaN, (byte) 0);
  }

  private void add(double l, double abs, double sq, double score, byte flags) {
    boolean c = (flags & CORRECT) != 0;
    boolean positive = (flags & POSITIVE) != 0;
    boolean pp = (flags & PREDICTED_POSITIVE) != 0;
    switch (form) {
      case CUMULATIVE -> {
        accumulate(1, l, c, abs, sq, positive, pp);
        if (task == Task.BINARY) {
          addScore(score, positive);
        }
      }
      case FADING -> {
        n *= alpha;
        loss *= alpha;
        correct *= alpha;
        absErr *= alpha;
        sqErr *= alpha;
        tp *= alpha;
        fp *= alpha;
        fn *= alpha;
        accumulate(1, l, c, abs, sq, positive, pp);
        if (task == Task.BINARY) {
          fadingAuc.add(score, positive);
        }
      }
      case WINDOW -> {
        if (filled == window) {
          byte f = rFlags[head];
          accumulate(-1, rLoss[head], (f & CORRECT) != 0, rAbs[head], rSq[head], (f & POSITIVE) != 0,
              (f & PREDICTED_POSITIVE) != 0);
        } else {
          filled++;
        }
        rLoss[head] = l;
        rAbs[head] = abs;
        rSq[head] = sq;
        rScore[head] = score;
        rFlags[head] = flags;
        head = head + 1 == window ? 0 : head + 1;
        accumulate(1, l, c, abs, sq, positive, pp);
        dirty = true;
      }
      default -> throw new IllegalStateException();
    }
  }

  private void accumulate(double s, double l, boolean c, double abs, double sq, boolean positive, boolean pp) {
    n += s;
    loss += s * l;
    if (c) {
      correct += s;
    }
    absErr += s * abs;
    sqErr += s * sq;
    if (pp && positive) {
      tp += s;
    } else if (pp) {
      fp += s;
    } else if (positive) {
      fn += s;
    }
  }

  /** Exact sums over the window's contents, discarding the rounding drift of add-then-subtract. */
  private void recount() {
    dirty = false;
    n = 0;
    loss = 0;
    correct = 0;
    absErr = 0;
    sqErr = 0;
    tp = 0;
    fp = 0;
    fn = 0;
    for (int i = 0; i < filled; i++) {
      byte f = rFlags[i];
      accumulate(1, rLoss[i], (f & CORRECT) != 0, rAbs[i], rSq[i], (f & POSITIVE) != 0,
          (f & PREDICTED_POSITIVE) != 0);
    }
  }

  private void addScore(double score, boolean positive) {
    if (positive) {
      if (np == pos.length) {
        pos = Arrays.copyOf(pos, np * 2);
      }
      pos[np++] = score;
    } else {
      if (nn == neg.length) {
        neg = Arrays.copyOf(neg, nn * 2);
      }
      neg[nn++] = score;
    }
  }

  private void exact() {
    if (dirty) {
      recount();
    }
  }

  /** Samples counted (the effective, decayed count for the fading form). */
  public double count() {
    exact();
    return n;
  }

  /** Mean of the loss (log loss, or squared error for regression); NaN before the first sample. */
  public double meanLoss() {
    exact();
    return n > 0 ? loss / n : Double.NaN;
  }

  /** Fraction correct for classifiers; NaN for regression and before the first sample. */
  public double accuracy() {
    exact();
    return n > 0 && task != Task.REGRESSION ? correct / n : Double.NaN;
  }

  public double precision() {
    exact();
    return tp + fp > 0 ? tp / (tp + fp) : Double.NaN;
  }

  public double recall() {
    exact();
    return tp + fn > 0 ? tp / (tp + fn) : Double.NaN;
  }

  public double rmse() {
    exact();
    return n > 0 ? Math.sqrt(Math.max(0, sqErr) / n) : Double.NaN;
  }

  public double mae() {
    exact();
    return n > 0 ? absErr / n : Double.NaN;
  }

  /** ROC AUC (binary only; NaN otherwise or while one class is missing). */
  public double auc() {
    if (task != Task.BINARY) {
      return Double.NaN;
    }
    if (form == Form.FADING) {
      return fadingAuc.value();
    }
    if (form == Form.WINDOW) {
      np = 0;
      nn = 0;
      for (int i = 0; i < filled; i++) {
        if ((rFlags[i] & POSITIVE) != 0) {
          pos[np++] = rScore[i];
        } else {
          neg[nn++] = rScore[i];
        }
      }
    }
    if (form == Form.WINDOW) {
      Arrays.sort(pos, 0, np);
      Arrays.sort(neg, 0, nn);
    } else {
      sortedP = sortTail(pos, sortedP, np);
      sortedN = sortTail(neg, sortedN, nn);
    }
    return RankAuc.sorted(pos, np, neg, nn);
  }

  /**
   * Sorts {@code a[sorted..n)} and merges it into the sorted prefix from the back, so a report costs O(tail log
   * tail + n) instead of a full O(n log n) sort of every score seen. Returns n, the new sorted length.
   */
  private int sortTail(double[] a, int sorted, int n) {
    int tail = n - sorted;
    if (tail == 0) {
      return n;
    }
    Arrays.sort(a, sorted, n);
    if (mergeScratch.length < tail) {
      mergeScratch = new double[Math.max(tail, 2 * mergeScratch.length)];
    }
    System.arraycopy(a, sorted, mergeScratch, 0, tail);
    int i = sorted - 1;
    int j = tail - 1;
    int k = n - 1;
    while (j >= 0) {
      a[k--] = i >= 0 && a[i] > mergeScratch[j] ? a[i--] : mergeScratch[j--];
    }
    return n;
  }

  /** The task's metrics in {@link Task#names()} order, into {@code out}. */
  public void values(double[] out) {
    switch (task) {
      case BINARY -> {
        out[0] = meanLoss();
        out[1] = accuracy();
        out[2] = auc();
        out[3] = precision();
        out[4] = recall();
      }
      case MULTICLASS -> {
        out[0] = meanLoss();
        out[1] = accuracy();
      }
      case REGRESSION -> {
        out[0] = meanLoss();
        out[1] = rmse();
        out[2] = mae();
      }
      default -> throw new IllegalStateException();
    }
  }
}
