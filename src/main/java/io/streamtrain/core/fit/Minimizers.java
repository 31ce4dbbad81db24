package io.streamtrain.core.fit;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigTable;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import java.util.List;
import java.util.Map;

/**
 * Parses a method section ({@code method: {type: ..., ...}}) into a {@link Minimizer}; every error names the key.
 * Each type's keys and defaults are declared once in {@code Spec}: {@code newton_cg} (lanczos_steps 0: no saddle
 * check), {@code lbfgs} (torch's keys, {@link LbfgsConfig}, with defaults for fitting) and {@code cg} (restart 0:
 * the dimension).
 */
public final class Minimizers {
  public static final List<String> TYPES = List.of("newton_cg", "lbfgs", "cg");

  private Minimizers() {}

  /** Each method's keys with their defaults. */
  static final class Spec {
    private Spec() {}

    static final Validators.Range TOLERANCE = Validators.range(0, false, Double.MAX_VALUE, false);
    static final Validators.Range RADIUS = Validators.range(0, true, Double.MAX_VALUE, false);

    static final ConfigDef NEWTON_CG = new ConfigDef();
    static final Key<String> NEWTON_TYPE = NEWTON_CG.required("type", Types.STRING, "");
    static final Key<Double> NEWTON_TOL = NEWTON_CG.define("tolerance_grad", Types.DOUBLE, 1e-6, TOLERANCE,
        "({default}, max-norm of the gradient)");
    static final Key<Integer> NEWTON_ITER = NEWTON_CG.define("max_iter", Types.INT, 100,
        Validators.intRange(1, 1_000_000), "");
    static final Key<Integer> MAX_CG = NEWTON_CG.define("max_cg", Types.INT, 250, Validators.intRange(1, 1_000_000),
        "");
    static final Key<Double> INITIAL_RADIUS = NEWTON_CG.define("initial_radius", Types.DOUBLE, 1.0, RADIUS, "");
    static final Key<Double> MAX_RADIUS = NEWTON_CG.define("max_radius", Types.DOUBLE, 1e6, RADIUS, "");
    static final Key<Integer> LANCZOS = NEWTON_CG.define("lanczos_steps", Types.INT, 20,
        Validators.intRange(0, 10_000), "({default}, the saddle check; 0 off)");

    /** torch's L-BFGS keys with defaults for fitting: more iterations, a looser tolerance, the line search. */
    static final LbfgsConfig.Keys LBFGS = LbfgsConfig.Keys.of(500, 1e-6, 10, "strong_wolfe");

    static final ConfigDef CG = new ConfigDef();
    static final Key<String> CG_TYPE = CG.required("type", Types.STRING, "");
    static final Key<NonlinearCg.Beta> BETA = CG.define("beta", Types.enumOf(NonlinearCg.Beta.class),
        NonlinearCg.Beta.POLAK_RIBIERE, "({default} or fletcher_reeves)");
    static final Key<Double> CG_TOL = CG.define("tolerance_grad", Types.DOUBLE, 1e-6, TOLERANCE, "");
    static final Key<Integer> CG_ITER = CG.define("max_iter", Types.INT, 1000, Validators.intRange(1, 10_000_000), "");
    static final Key<Integer> RESTART = CG.define("restart", Types.INT, 0, Validators.intRange(0, Integer.MAX_VALUE),
        "({default}: the dimension)");
  }

  /** Each method's keys and defaults, for the docs. */
  public static String keysDoc() {
    return "`newton_cg`: " + ConfigTable.inline(Spec.NEWTON_CG, "type") + "; `lbfgs`: torch's keys, for"
        + " fitting " + ConfigTable.inline(Spec.LBFGS.def()) + "; `cg`: " + ConfigTable.inline(Spec.CG, "type");
  }

  public static Minimizer fromSpec(SpecReader r) {
    String type = r.getEnum("type", null, TYPES);
    if (type == null) {
      throw new SpecException(r.key("type"), "missing; allowed: one of " + TYPES);
    }
    switch (type) {
      case "newton_cg" -> {
        ConfigValues v = Spec.NEWTON_CG.parse(r);
        return new NewtonCg(new NewtonCg.Config(v.get(Spec.NEWTON_TOL), v.get(Spec.NEWTON_ITER), v.get(Spec.MAX_CG),
            v.get(Spec.INITIAL_RADIUS), v.get(Spec.MAX_RADIUS), 1e-4, v.get(Spec.LANCZOS), 1e-6));
      }
      case "lbfgs" -> {
        Map<String, Object> m = new java.util.LinkedHashMap<>(r.map());
        m.remove("type");
        return new LbfgsMinimizer(Spec.LBFGS.parse(new SpecReader(r.path(), m)));
      }
      default -> {
        ConfigValues v = Spec.CG.parse(r);
        return new NonlinearCg(new NonlinearCg.Config(v.get(Spec.BETA), v.get(Spec.CG_TOL), 1e-12,
            v.get(Spec.CG_ITER), v.get(Spec.RESTART), 0.1));
      }
    }
  }
}
