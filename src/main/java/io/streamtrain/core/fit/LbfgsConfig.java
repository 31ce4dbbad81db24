package io.streamtrain.core.fit;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import java.util.List;

/**
 * torch.optim.LBFGS's hyperparameters, with torch 1.13's names and defaults: {@code lr} 1, {@code max_iter} 20,
 * {@code max_eval} max_iter * 5 / 4 (integer division), {@code tolerance_grad} 1e-7, {@code tolerance_change}
 * 1e-9, {@code history_size} 100, {@code line_search_fn} null (fixed step lr) or "strong_wolfe".
 */
public record LbfgsConfig(
    double lr,
    int maxIter,
    int maxEval,
    double toleranceGrad,
    double toleranceChange,
    int historySize,
    boolean strongWolfe) {

  public static final List<String> KEYS = List.of(
      "lr", "max_iter", "max_eval", "tolerance_grad", "tolerance_change", "history_size", "line_search_fn");

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

  /** Parses the keys above (all optional); errors name the key. */
  public static LbfgsConfig fromSpec(SpecReader r) {
    r.rejectUnknown(KEYS);
    double lr = r.getDouble("lr", 1.0, 0, true, Double.MAX_VALUE, false);
    int maxIter = r.getInt("max_iter", 20, 1, Integer.MAX_VALUE);
    int maxEval = r.getInt("max_eval", maxIter * 5 / 4, 1, Integer.MAX_VALUE);
    double tolGrad = r.getDouble("tolerance_grad", 1e-7, 0, false, Double.MAX_VALUE, false);
    double tolChange = r.getDouble("tolerance_change", 1e-9, 0, false, Double.MAX_VALUE, false);
    int history = r.getInt("history_size", 100, 1, 1_000_000);
    String ls = r.getString("line_search_fn", null);
    if (ls != null && !ls.equals("strong_wolfe")) {
      throw new SpecException(r.key("line_search_fn"), ls, "allowed: null (fixed step lr) or \"strong_wolfe\"");
    }
    return new LbfgsConfig(lr, maxIter, maxEval, tolGrad, tolChange, history, ls != null);
  }
}
