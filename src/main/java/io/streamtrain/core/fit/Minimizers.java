package io.streamtrain.core.fit;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Parses a method section ({@code method: {type: ..., ...}}) into a {@link Minimizer}; every error names the key.
 * <ul>
 *   <li>{@code newton_cg}: {@code tolerance_grad} (1e-6), {@code max_iter} (100), {@code max_cg} (250),
 *       {@code initial_radius} (1), {@code max_radius} (1e6), {@code lanczos_steps} (20; 0 = no saddle check)
 *   <li>{@code lbfgs}: torch's keys ({@link LbfgsConfig}); defaults for fitting: {@code max_iter} 500,
 *       {@code tolerance_grad} 1e-6, {@code line_search_fn} strong_wolfe, {@code history_size} 10
 *   <li>{@code cg}: {@code beta} polak_ribiere (default) or fletcher_reeves, {@code tolerance_grad} (1e-6),
 *       {@code max_iter} (1000), {@code restart} (0 = the dimension)
 * </ul>
 */
public final class Minimizers {
  public static final List<String> TYPES = List.of("newton_cg", "lbfgs", "cg");

  private Minimizers() {}

  public static Minimizer fromSpec(SpecReader r) {
    String type = r.getEnum("type", null, TYPES);
    if (type == null) {
      throw new SpecException(r.key("type"), "missing; allowed: one of " + TYPES);
    }
    switch (type) {
      case "newton_cg" -> {
        r.rejectUnknown("type", "tolerance_grad", "max_iter", "max_cg", "initial_radius", "max_radius",
            "lanczos_steps");
        return new NewtonCg(new NewtonCg.Config(
            r.getDouble("tolerance_grad", 1e-6, 0, false, Double.MAX_VALUE, false),
            r.getInt("max_iter", 100, 1, 1_000_000),
            r.getInt("max_cg", 250, 1, 1_000_000),
            r.getDouble("initial_radius", 1.0, 0, true, Double.MAX_VALUE, false),
            r.getDouble("max_radius", 1e6, 0, true, Double.MAX_VALUE, false),
            1e-4,
            r.getInt("lanczos_steps", 20, 0, 10_000),
            1e-6));
      }
      case "lbfgs" -> {
        Map<String, Object> m = new java.util.LinkedHashMap<>(r.map());
        m.remove("type");
        int maxIter = r.getInt("max_iter", 500, 1, Integer.MAX_VALUE);
        m.put("max_iter", maxIter);
        m.putIfAbsent("max_eval", maxIter * 5 / 4);
        m.putIfAbsent("tolerance_grad", 1e-6);
        m.putIfAbsent("history_size", 10);
        if (!r.map().containsKey("line_search_fn")) {
          m.put("line_search_fn", "strong_wolfe");
        }
        return new LbfgsMinimizer(LbfgsConfig.fromSpec(new SpecReader(r.path(), m)));
      }
      default -> {
        r.rejectUnknown("type", "beta", "tolerance_grad", "max_iter", "restart");
        String beta = r.getEnum("beta", "polak_ribiere", new ArrayList<>(List.of("polak_ribiere", "fletcher_reeves")));
        return new NonlinearCg(new NonlinearCg.Config(
            beta.equals("fletcher_reeves") ? NonlinearCg.Beta.FLETCHER_REEVES : NonlinearCg.Beta.POLAK_RIBIERE,
            r.getDouble("tolerance_grad", 1e-6, 0, false, Double.MAX_VALUE, false), 1e-12,
            r.getInt("max_iter", 1000, 1, 10_000_000),
            r.getInt("restart", 0, 0, Integer.MAX_VALUE), 0.1));
      }
    }
  }
}
