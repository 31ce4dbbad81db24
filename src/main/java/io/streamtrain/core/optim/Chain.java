package io.streamtrain.core.optim;

import java.util.ArrayList;
import java.util.List;

/**
 * A sequence of transforms applied one after the other (optax's {@code chain}), run fused: the vector is
 * walked in blocks of {@link #BLOCK} elements and every element-wise transform processes a block before the
 * next block is touched, so the gradient, the state arrays and the parameters of a block stay in L1/L2 across
 * the whole chain and memory sees one pass. A global transform ({@link ClipByGlobalNorm}) splits the chain: its
 * reduction is folded into the pass of the transforms before it, its scaling opens the next pass. Adding the
 * updates to the parameters ({@link #step}) is fused into the last pass.
 *
 * <p>A chain whose FIRST transform is global and reports a non-finite reduction skips the step: nothing is
 * applied and no state advances ({@link #step} and {@link #update} return false). A global transform later in
 * the chain cannot undo what earlier transforms did in the same step, so there it only leaves the gradients
 * unscaled and reports.
 */
public record Chain(List<GradientTransform> transforms) {
  /** Elements per block: 2048 doubles = 16 KiB per array, so g, p and two or three state arrays fit in L2. */
  public static final int BLOCK = 2048;

  public Chain {
    List<GradientTransform> flat = new ArrayList<>();
    for (GradientTransform t : transforms) {
      if (t == null) {
        throw new IllegalArgumentException("chain: null transform");
      }
      flat.add(t);
    }
    transforms = List.copyOf(flat);
  }

  /** This chain followed by {@code more}. */
  public Chain then(GradientTransform... more) {
    List<GradientTransform> all = new ArrayList<>(transforms);
    all.addAll(List.of(more));
    return new Chain(all);
  }

  /** {@code first} followed by this chain. */
  public Chain after(GradientTransform first) {
    List<GradientTransform> all = new ArrayList<>();
    all.add(first);
    all.addAll(transforms);
    return new Chain(all);
  }

  public ChainState init(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("size: " + n + " is not allowed; allowed: n >= 0");
    }
    TransformState[] states = new TransformState[transforms.size()];
    for (int i = 0; i < states.length; i++) {
      states[i] = transforms.get(i).init(n);
    }
    return new ChainState(n, states);
  }

  /**
   * Turns {@code g} into updates in place (parameters are read, and changed only by transforms that act on
   * them, such as decoupled weight decay). {@code p} may be null if no transform reads parameters. Returns
   * false if the step was skipped (see the class comment).
   */
  public static boolean update(double[] g, ChainState state, double[] p) {
    return run(g, state, p, false);
  }

  /** {@link #update} followed by {@code p += g}, fused into the same block loop. */
  public static boolean step(double[] g, ChainState state, double[] p) {
    return run(g, state, p, true);
  }

  private static boolean run(double[] g, ChainState cs, double[] p, boolean addToParams) {
    final int n = cs.size();
    if (g.length != n || (p != null && p.length != n) || (addToParams && p == null)) {
      throw new IllegalArgumentException(
          "chain: expected vectors of " + n + " elements, got grads " + g.length
              + ", params " + (p == null ? "null" : Integer.toString(p.length)));
    }
    final TransformState[] s = cs.states();
    final int k = s.length;
    int start = 0;
    int end = nextGlobal(s, 0);
    while (true) {
      for (int j = start; j < end; j++) {
        if (!s[j].isGlobal()) {
          s[j].prepare();
        }
      }
      final boolean reduce = end < k;
      if (reduce) {
        s[end].prepare();
      }
      final boolean last = !reduce;
      final boolean anyApply = start < end;
      if (anyApply || reduce || (last && addToParams)) {
        for (int from = 0; from < n; from += BLOCK) {
          int to = Math.min(n, from + BLOCK);
          for (int j = start; j < end; j++) {
            s[j].apply(g, p, from, to);
          }
          if (reduce) {
            s[end].accumulate(g, from, to);
          } else if (addToParams) {
            addInto(p, g, from, to);
          }
        }
      }
      if (!reduce) {
        return true;
      }
      if (!s[end].finishReduction() && end == 0) {
        return false;
      }
      start = end;
      end = nextGlobal(s, end + 1);
    }
  }

  /** True when every transform's sparse step is exact ({@link GradientTransform#sparseExact()}). */
  public boolean sparseExact() {
    for (GradientTransform t : transforms) {
      if (!t.sparseExact()) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@link #step} on a sparse gradient: {@code g[0, nnz)} are the entries of the distinct coordinates
   * {@code idx[0, nnz)}, all others are zero. Only for chains that are {@link #sparseExact()}; costs O(nnz).
   * {@code g} is overwritten with the applied updates. Returns false if the step was skipped.
   */
  public static boolean stepSparse(double[] g, int[] idx, int nnz, ChainState cs, double[] p) {
    final TransformState[] s = cs.states();
    final int k = s.length;
    int start = 0;
    int end = nextGlobal(s, 0);
    while (true) {
      for (int j = start; j < end; j++) {
        if (!s[j].isGlobal()) {
          s[j].prepare(); // a global stage was prepared before its reduction
        }
        s[j].applySparse(g, p, idx, nnz);
      }
      if (end == k) {
        for (int q = 0; q < nnz; q++) {
          int i = idx[q];
          p[i] = p[i] + g[q];
        }
        return true;
      }
      s[end].prepare();
      s[end].accumulateSparse(g, idx, nnz);
      if (!s[end].finishReduction() && end == 0) {
        return false;
      }
      start = end;
      end = nextGlobal(s, end + 1);
    }
  }

  private static int nextGlobal(TransformState[] s, int from) {
    for (int j = from; j < s.length; j++) {
      if (s[j].isGlobal()) {
        return j;
      }
    }
    return s.length;
  }

  private static void addInto(double[] p, double[] u, int from, int to) {
    for (int i = from; i < to; i++) {
      p[i] = p[i] + u[i];
    }
  }
}
