package io.streamtrain.core.fit;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import java.util.List;

/**
 * torch.optim.LBFGS's hyperparameters, with torch 1.13's names and defaults ({@link #TORCH}: lr 1, max_iter 20,
 * max_eval max_iter * 5 / 4 in integer division, tolerance_grad 1e-7, tolerance_change 1e-9, history_size 100,
 * line_search_fn null for the fixed step lr, or "strong_wolfe").
 */
public record LbfgsConfig(
    double lr,
    int maxIter,
    int maxEval,
    double toleranceGrad,
    double toleranceChange,
    int historySize,
    boolean strongWolfe) {

  /** The keys, with torch's defaults. */
  public static final Keys TORCH = Keys.of(20, 1e-7, 100, null);
  public static final List<String> KEYS = TORCH.def().names();

  /**
   * The keys of an L-BFGS section with the given defaults for max_iter, tolerance_grad, history_size and
   * line_search_fn (a fit's differ from torch's); the others are torch's.
   */
  public record Keys(ConfigDef def, Key<Double> lr, Key<Integer> maxIter, Key<Integer> maxEval,
      Key<Double> toleranceGrad, Key<Double> toleranceChange, Key<Integer> historySize, Key<String> lineSearch) {
    public static Keys of(int maxIter, double toleranceGrad, int historySize, String lineSearch) {
      ConfigDef d = new ConfigDef();
      Validators.Range nonNegative = Validators.range(0, false, Double.MAX_VALUE, false);
      return new Keys(d,
          d.define("lr", Types.DOUBLE, 1.0, Validators.range(0, true, Double.MAX_VALUE, false), ""),
          d.define("max_iter", Types.INT, maxIter, Validators.intRange(1, Integer.MAX_VALUE), ""),
          d.computed("max_eval", Types.INT, "max_iter * 5 / 4", Validators.intRange(1, Integer.MAX_VALUE), ""),
          d.define("tolerance_grad", Types.DOUBLE, toleranceGrad, nonNegative, ""),
          d.define("tolerance_change", Types.DOUBLE, 1e-9, nonNegative, ""),
          d.define("history_size", Types.INT, historySize, Validators.intRange(1, 1_000_000), ""),
          d.define("line_search_fn", Types.STRING, lineSearch, Validators.of("strong_wolfe"::equals,
              "null (fixed step lr) or \"strong_wolfe\""), ""));
    }

    /** Parses a section; an explicit {@code line_search_fn: null} is the fixed step, whatever the default. */
    public LbfgsConfig parse(SpecReader r) {
      ConfigValues v = def.parse(r);
      int iters = v.get(maxIter);
      boolean wolfe = r.map().containsKey(lineSearch.name()) ? v.has(lineSearch) : v.get(lineSearch) != null;
      return new LbfgsConfig(v.get(lr), iters, v.get(maxEval, iters * 5 / 4), v.get(toleranceGrad),
          v.get(toleranceChange), v.get(historySize), wolfe);
    }
  }

  public LbfgsConfig {
    if (!(lr > 0) || !Double.isFinite(lr)) {
      throw new IllegalArgumentException("lr must be > 0, got " + lr);
    }
    if (maxIter < 1 || maxEval < 1 || historySize < 1) {
      throw new IllegalArgumentException("max_iter, max_eval and history_size must be >= 1");
    }
  }

  /** torch's defaults. */
  public static LbfgsConfig defaults() {
    return new LbfgsConfig(1.0, 20, 25, 1e-7, 1e-9, 100, false);
  }

  /** Parses the keys above (all optional, torch's defaults); errors name the key. */
  public static LbfgsConfig fromSpec(SpecReader r) {
    return TORCH.parse(r);
  }
}
