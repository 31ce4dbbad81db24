package io.streamtrain.core.data;

/**
 * Delayed labels: features of one event stream joined with labels of another (clicks, chargebacks) that share a
 * key, in event time. A feature of event time {@code tf} takes the first label (smallest event time, then smallest
 * sequence) of its key whose event time {@code tl} lies in {@code [tf, tf + windowMs]}; without one it times out
 * at {@code tf + windowMs} and becomes a sample of {@code negativeLabel}, or is dropped.
 *
 * <p>Every decision is taken by {@link #advance} at an event time {@code t} that the caller guarantees complete:
 * no feature or label of time {@code <= t} arrives afterwards (an event-time watermark). A feature's match is then
 * known at its first label's time, so {@code advance(p, tl)} emits it as soon as that time is complete, and no
 * later; which label matched and when the feature was decided depend only on the event times and sequences, not
 * on the order in which the two streams arrived. Within one call, decided features come out in (event time,
 * sequence) order. After {@code advance(p, t)} no label of time {@code <= t} is kept: every feature that could
 * still match it has been decided.
 *
 * <p>The state of one key is a {@link Pending}, held by the caller (Flink keyed state); its feature slots are
 * reused, so a key whose features come and go allocates only while it holds more features than ever before.
 */
public final class LabelJoin {
  /** Receives a decided feature: its example with the label set, and whether a label matched (else timed out). */
  public interface Decided {
    void accept(Example sample, long seq, boolean labelled);
  }

  private final long windowMs;
  private final boolean emitNegatives;
  private final double negativeLabel;

  /** Labels within {@code windowMs} (>= 0) after the feature; timed-out features become negatives or are dropped. */
  public LabelJoin(long windowMs, boolean emitNegatives, double negativeLabel) {
    if (windowMs < 0) {
      throw new IllegalArgumentException("windowMs " + windowMs + " < 0");
    }
    this.windowMs = windowMs;
    this.emitNegatives = emitNegatives;
    this.negativeLabel = negativeLabel;
  }

  public long windowMs() {
    return windowMs;
  }

  /**
   * Adds a feature (its event time is {@code e.eventTime()}; {@code seq} orders features of equal time, e.g. the
   * record's partition and offset); {@code e} is copied. Returns the event time by which it will be decided at
   * the latest (its timeout), saturating at Long.MAX_VALUE.
   */
  public long addFeature(Pending p, Example e, long seq) {
    p.insertFeature(e, seq);
    long t = e.eventTime();
    return t > Long.MAX_VALUE - windowMs ? Long.MAX_VALUE : t + windowMs;
  }

  /** Adds a label of event time {@code time} with value {@code value}; returns {@code time} (when it can decide). */
  public long addLabel(Pending p, long time, long seq, double value) {
    p.insertLabel(time, seq, value);
    return time;
  }

  /**
   * Decides every feature that event time {@code t} settles: labelled by its first label of time {@code <= t}
   * in its window, or timed out when {@code tf + windowMs <= t}; then forgets the labels of time {@code <= t}.
   * Returns how many of those labels matched no feature.
   */
  public int advance(Pending p, long t, Decided out) {
    int kept = 0;
    for (int i = 0; i < p.features; i++) {
      Example f = p.fExample[i];
      long tf = f.eventTime();
      long end = tf > Long.MAX_VALUE - windowMs ? Long.MAX_VALUE : tf + windowMs;
      int j = tf <= t ? p.firstLabelFrom(tf) : p.labels;
      if (j < p.labels && p.lTime[j] <= end && p.lTime[j] <= t) {
        p.lUsed[j] = true;
        f.setLabel(p.lValue[j]);
        out.accept(f, p.fSeq[i], true);
      } else if (end <= t) {
        if (emitNegatives) {
          f.setLabel(negativeLabel);
          out.accept(f, p.fSeq[i], false);
        }
      } else {
        p.moveFeature(i, kept++);
        continue;
      }
    }
    p.features = kept;
    int orphans = 0;
    int keptLabels = 0;
    for (int j = 0; j < p.labels; j++) {
      if (p.lTime[j] <= t) {
        orphans += p.lUsed[j] ? 0 : 1;
      } else {
        p.lTime[keptLabels] = p.lTime[j];
        p.lSeq[keptLabels] = p.lSeq[j];
        p.lValue[keptLabels] = p.lValue[j];
        p.lUsed[keptLabels] = p.lUsed[j];
        keptLabels++;
      }
    }
    p.labels = keptLabels;
    return orphans;
  }

  /**
   * The pending features and labels of one key, each kept sorted by (event time, sequence). Also used as a plain
   * ordered buffer of examples (features only, see {@link #drain}).
   */
  public static final class Pending {
    private static final long[] NO_LONGS = new long[0];
    private static final double[] NO_DOUBLES = new double[0];
    private static final boolean[] NO_BOOLEANS = new boolean[0];
    int features;
    long[] fSeq = new long[1];
    Example[] fExample = new Example[1];
    int labels;
    // Most keys never see a label, or see it after their feature: no label arrays until one comes (shared empties).
    long[] lTime = NO_LONGS;
    long[] lSeq = NO_LONGS;
    double[] lValue = NO_DOUBLES;
    boolean[] lUsed = NO_BOOLEANS;

    public boolean isEmpty() {
      return features == 0 && labels == 0;
    }

    public int featureCount() {
      return features;
    }

    public Example feature(int i) {
      return fExample[i];
    }

    public long featureSeq(int i) {
      return fSeq[i];
    }

    public int labelCount() {
      return labels;
    }

    public long labelTime(int j) {
      return lTime[j];
    }

    public long labelSeq(int j) {
      return lSeq[j];
    }

    public double labelValue(int j) {
      return lValue[j];
    }

    public boolean labelUsed(int j) {
      return lUsed[j];
    }

    /** Inserts a copy of {@code e} in (event time, seq) order (a codec reading state back calls it in order). */
    public void insertFeature(Example e, long seq) {
      if (features == fExample.length) {
        fExample = java.util.Arrays.copyOf(fExample, features * 2);
        fSeq = java.util.Arrays.copyOf(fSeq, features * 2);
      }
      int at = features;
      long t = e.eventTime();
      while (at > 0 && (fExample[at - 1].eventTime() > t
          || fExample[at - 1].eventTime() == t && fSeq[at - 1] > seq)) {
        at--;
      }
      Example slot = fExample[features] != null ? fExample[features] : new Example();
      System.arraycopy(fExample, at, fExample, at + 1, features - at);
      System.arraycopy(fSeq, at, fSeq, at + 1, features - at);
      fExample[at] = slot.copyFrom(e);
      fSeq[at] = seq;
      features++;
    }

    /** Inserts a label in (time, seq) order; {@code used} is whether it matched a feature already. */
    public void insertLabel(long time, long seq, double value, boolean used) {
      if (labels == lTime.length) {
        int n = Math.max(2, labels * 2);
        lTime = java.util.Arrays.copyOf(lTime, n);
        lSeq = java.util.Arrays.copyOf(lSeq, n);
        lValue = java.util.Arrays.copyOf(lValue, n);
        lUsed = java.util.Arrays.copyOf(lUsed, n);
      }
      int at = labels;
      while (at > 0 && (lTime[at - 1] > time || lTime[at - 1] == time && lSeq[at - 1] > seq)) {
        at--;
      }
      System.arraycopy(lTime, at, lTime, at + 1, labels - at);
      System.arraycopy(lSeq, at, lSeq, at + 1, labels - at);
      System.arraycopy(lValue, at, lValue, at + 1, labels - at);
      System.arraycopy(lUsed, at, lUsed, at + 1, labels - at);
      lTime[at] = time;
      lSeq[at] = seq;
      lValue[at] = value;
      lUsed[at] = used;
      labels++;
    }

    void insertLabel(long time, long seq, double value) {
      insertLabel(time, seq, value, false);
    }

    /** Hands every buffered feature to {@code out} in (event time, seq) order and empties the buffer. */
    public void drain(Decided out) {
      for (int i = 0; i < features; i++) {
        out.accept(fExample[i], fSeq[i], true);
      }
      features = 0;
    }

    /** Index of the first label of time >= {@code t}. */
    int firstLabelFrom(long t) {
      int j = 0;
      while (j < labels && lTime[j] < t) {
        j++;
      }
      return j;
    }

    /** Moves feature {@code from} to slot {@code to} (<= from), the slot's old example kept as a spare. */
    void moveFeature(int from, int to) {
      if (from != to) {
        Example spare = fExample[to];
        fExample[to] = fExample[from];
        fExample[from] = spare;
        fSeq[to] = fSeq[from];
      }
    }
  }
}
