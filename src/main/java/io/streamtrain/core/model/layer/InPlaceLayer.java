package io.streamtrain.core.model.layer;

/**
 * What the in-place layers (activation, batch norm, dropout) share: a width that is both input and output, the
 * backward pass written into {@code d} itself, and the output and R-output scratch ({@code n x width}) grown to
 * the largest batch seen. A subclass with more per-row scratch allocates it in {@link #grow} and {@link #growR}.
 */
abstract class InPlaceLayer implements Layer {
  protected final int w;
  /** The last forward output. */
  protected double[] out = new double[0];
  /** The last R-forward output (null before the first R pass). */
  protected double[] rOut;
  private int cap;
  private int rcap;

  InPlaceLayer(int width) {
    this.w = width;
  }

  @Override
  public final int width() {
    return w;
  }

  @Override
  public final boolean inPlace() {
    return true;
  }

  @Override
  public final void ensureCapacity(int n) {
    if (n > cap) {
      cap = n;
      int cells = Math.multiplyExact(n, w);
      out = new double[cells];
      grow(cells);
    }
  }

  @Override
  public final void ensureRCapacity(int n) {
    if (rOut == null || n > rcap) {
      rcap = Math.max(n, cap);
      int cells = Math.multiplyExact(rcap, w);
      rOut = new double[cells];
      growR(cells);
    }
  }

  /** Allocates further forward scratch of {@code cells} values (n rows x width); none by default. */
  protected void grow(int cells) {}

  /** Allocates further R scratch of {@code cells} values; none by default. */
  protected void growR(int cells) {}

  @Override
  public final double[] out() {
    return out;
  }

  @Override
  public final double[] rOut() {
    return rOut;
  }
}
