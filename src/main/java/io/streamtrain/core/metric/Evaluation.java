package io.streamtrain.core.metric;

/**
 * The figures of one evaluated model: every metric of its {@link Task} in cumulative, sliding-window and fading
 * form, fed with model outputs as {@code Model.predict} writes them (P(y=1) for binary, K class probabilities,
 * or the regression value). Names are the task's names for the cumulative form, then {@code window_<name>} and
 * {@code fading_<name>}, in that fixed order.
 */
public final class Evaluation {
  private final Task task;
  private final StreamingMetrics cumulative;
  private final StreamingMetrics window;
  private final StreamingMetrics fading;
  private final String[] names;
  private long samples;

  public Evaluation(Task task, MetricsSpec spec) {
    this.task = task;
    this.cumulative = StreamingMetrics.cumulative(task, spec.threshold());
    this.window = StreamingMetrics.window(task, spec.window(), spec.threshold());
    this.fading = StreamingMetrics.fading(task, spec.fadingAlpha(), spec.threshold());
    int k = task.size();
    names = new String[3 * k];
    for (int i = 0; i < k; i++) {
      names[i] = task.name(i);
      names[k + i] = "window_" + task.name(i);
      names[2 * k + i] = "fading_" + task.name(i);
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
