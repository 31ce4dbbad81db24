package io.streamtrain.core.metric;

/**
 * The figures of one evaluated model: every metric of its {@link Task} in cumulative, sliding-window and fading
 * form, fed with model outputs as {@code Model.predict} writes them (P(y=1) for binary, K class probabilities,
 * or the regression value). Names are the task's names for the cumulative form, then {@code window_<name>} and
 * {@code fading_<name>}, in that fixed order; classifiers then add the cumulative {@code macro_f1} and
 * {@code balanced_accuracy} of their {@link ConfusionMatrix} (a binary prediction counts as class 1 when p &gt;
 * threshold, as precision and recall count it; a multi-class one is the class of highest probability).
 */
public final class Evaluation {
  private final Task task;
  private final StreamingMetrics cumulative;
  private final StreamingMetrics window;
  private final StreamingMetrics fading;
  private final String[] names;
  private final ConfusionMatrix confusion;
  private final double threshold;
  private long samples;

  /** An evaluation of {@code task}; {@code classes} is K for multi-class (2 for binary, ignored for regression). */
  public Evaluation(Task task, int classes, MetricsSpec spec) {
    this.task = task;
    this.cumulative = StreamingMetrics.cumulative(task, spec.threshold());
    this.window = StreamingMetrics.window(task, spec.window(), spec.threshold());
    this.fading = StreamingMetrics.fading(task, spec.fadingAlpha(), spec.threshold());
    this.threshold = spec.threshold();
    this.confusion = task == Task.REGRESSION ? null : new ConfusionMatrix(Math.max(2, classes));
    int k = task.size();
    names = new String[3 * k + (confusion == null ? 0 : 2)];
    for (int i = 0; i < k; i++) {
      names[i] = task.name(i);
      names[k + i] = "window_" + task.name(i);
      names[2 * k + i] = "fading_" + task.name(i);
    }
    if (confusion != null) {
      names[3 * k] = "macro_f1";
      names[3 * k + 1] = "balanced_accuracy";
    }
  }

  /** A binary or regression evaluation (a multi-class one needs its class count). */
  public Evaluation(Task task, MetricsSpec spec) {
    this(task, 2, spec);
    if (task == Task.MULTICLASS) {
      throw new IllegalArgumentException("a multi-class evaluation needs its number of classes");
    }
  }

  public Task task() {
    return task;
  }

  /** Scores one prediction: {@code out[off .. off + k)} the model's output row, {@code label} the truth. */
  public void add(double[] out, int off, int k, double label) {
    samples++;
    switch (task) {
      case BINARY -> {
        double p = out[off];
        cumulative.addBinary(p, label);
        window.addBinary(p, label);
        fading.addBinary(p, label);
        confusion.add(label == 1.0 ? 1 : 0, p > threshold ? 1 : 0);
      }
      case MULTICLASS -> {
        int y = (int) label;
        int best = 0;
        for (int c = 1; c < k; c++) {
          if (out[off + c] > out[off + best]) {
            best = c;
          }
        }
        double py = out[off + y];
        boolean ok = best == y;
        cumulative.addClass(py, ok);
        window.addClass(py, ok);
        fading.addClass(py, ok);
        confusion.add(y, best);
      }
      case REGRESSION -> {
        double v = out[off];
        cumulative.addRegression(v, label);
        window.addRegression(v, label);
        fading.addRegression(v, label);
      }
      default -> throw new IllegalStateException();
    }
  }

  /** Samples scored. */
  public long samples() {
    return samples;
  }

  public String[] names() {
    return names.clone();
  }

  public int size() {
    return names.length;
  }

  /** All figures in {@link #names()} order. Reading the exact AUCs sorts the kept scores (report time only). */
  public void values(double[] out) {
    int k = task.size();
    double[] tmp = new double[k];
    cumulative.values(tmp);
    System.arraycopy(tmp, 0, out, 0, k);
    window.values(tmp);
    System.arraycopy(tmp, 0, out, k, k);
    fading.values(tmp);
    System.arraycopy(tmp, 0, out, 2 * k, k);
    if (confusion != null) {
      out[3 * k] = confusion.macroF1();
      out[3 * k + 1] = confusion.balancedAccuracy();
    }
  }

  /** The cumulative confusion matrix of a classifier; null for regression. */
  public ConfusionMatrix confusion() {
    return confusion;
  }

  public StreamingMetrics cumulative() {
    return cumulative;
  }

  public StreamingMetrics window() {
    return window;
  }

  public StreamingMetrics fading() {
    return fading;
  }
}
