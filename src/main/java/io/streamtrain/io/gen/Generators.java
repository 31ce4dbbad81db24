package io.streamtrain.io.gen;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigTable;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import io.streamtrain.io.ReaderOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a generator from its name and a parameter map (from {@code --param key=value}), each generator's
 * parameters declared once ({@link #SPECS}: type, default, allowed values, doc): unknown names and out-of-range
 * values are errors naming the parameter and what is allowed. Every generator also takes {@code start_time} (epoch
 * ms, default 2026-01-01T00:00:00Z) and {@code time_step_ms} (1). The README's generator table is
 * {@link #docs()}.
 */
public final class Generators {
  private static final int MAX_DIMS = 1 << 20;
  private static final Validators.Range PROBABILITY = Validators.range(0, false, 1, false);

  static final Key<Long> START_TIME = new ConfigDef().define("start_time", Types.LONG,
      ReaderOptions.DEFAULT_START_TIME, "2026-01-01T00:00:00Z", Validators.any(), "every generator: the first sample's event time, epoch ms");
  static final Key<Long> TIME_STEP = new ConfigDef().define("time_step_ms", Types.LONG, 1L,
      Validators.longAtLeast(0), "every generator: event time between consecutive samples, ms");

  private static final ConfigDef HYPERPLANE = new ConfigDef();
  static final Key<Integer> HP_DIMS = dims(HYPERPLANE);
  static final Key<Integer> HP_DRIFT = HYPERPLANE.computed("drift_attributes", Types.INT, "min(2, dims)",
      Validators.any(), "how many weights drift, at most dims");
  static final Key<Double> HP_SPEED = HYPERPLANE.define("speed", Types.DOUBLE, 0.001,
      Validators.range(0, false, 1e6, false), "weight change per sample");
  static final Key<Double> HP_NOISE = HYPERPLANE.define("noise", Types.DOUBLE, 0.05, PROBABILITY,
      "fraction of labels flipped");
  static final Key<Double> HP_REVERSAL = HYPERPLANE.define("reversal", Types.DOUBLE, 0.1, PROBABILITY,
      "probability that a drift direction reverses after a sample");
  static final Key<Long> HP_JUMP = HYPERPLANE.define("jump_every", Types.LONG, 0L, Validators.longAtLeast(0),
      "0: off; else the drifting weights change sign every jump_every samples");

  private static final ConfigDef SEA = new ConfigDef();
  static final Key<Long> SEA_PERIOD = SEA.define("period", Types.LONG, 25_000L, Validators.longAtLeast(1),
      "samples per concept");
  static final Key<Double> SEA_NOISE = SEA.define("noise", Types.DOUBLE, 0.1, PROBABILITY,
      "fraction of labels flipped");

  private static final ConfigDef RBF = new ConfigDef();
  static final Key<Integer> RBF_DIMS = dims(RBF);
  static final Key<Integer> RBF_CLASSES = RBF.define("classes", Types.INT, 2, Validators.intRange(2, MAX_DIMS),
      "number of classes");
  static final Key<Integer> RBF_CENTROIDS = RBF.define("centroids", Types.INT, 50, Validators.intRange(1, MAX_DIMS),
      "number of centroids");
  static final Key<Integer> RBF_DRIFT = RBF.computed("drift_centroids", Types.INT, "centroids",
      Validators.any(), "how many centroids move, at most centroids");
  static final Key<Double> RBF_SPEED = RBF.define("speed", Types.DOUBLE, 0.0001, PROBABILITY,
      "distance a moving centroid travels per sample");

  private static final ConfigDef LINEAR = new ConfigDef();
  static final Key<Integer> LIN_DIMS = dims(LINEAR);
  static final Key<Double> LIN_MARGIN = LINEAR.define("margin", Types.DOUBLE, 0.1,
      Validators.range(0, false, 3, false), "points closer than this to the separating hyperplane are redrawn (a gap of 2 * margin)");

  private static final ConfigDef CIRCLES = new ConfigDef();
  static final Key<Double> CIR_FACTOR = CIRCLES.define("factor", Types.DOUBLE, 0.5,
      Validators.range(0, true, 1, true), "inner circle's radius over the outer's");
  static final Key<Double> CIR_NOISE = CIRCLES.define("noise", Types.DOUBLE, 0.05,
      Validators.range(0, false, 10, false), "standard deviation of the Gaussian noise on each coordinate");

  /** Each generator's declared parameters (its own, then the event-time keys), by name. */
  public static final Map<String, ConfigDef> SPECS = specs();
  public static final List<String> NAMES = List.copyOf(SPECS.keySet());

  private Generators() {}

  private static Key<Integer> dims(ConfigDef d) {
    return d.define("dims", Types.INT, 10, Validators.intRange(1, MAX_DIMS), "number of features");
  }

  private static Map<String, ConfigDef> specs() {
    Map<String, ConfigDef> m = new LinkedHashMap<>();
    m.put("hyperplane", HYPERPLANE);
    m.put("sea", SEA);
    m.put("rbf", RBF);
    m.put("linear", LINEAR);
    m.put("circles", CIRCLES);
    for (ConfigDef d : m.values()) {
      d.declare(START_TIME);
      d.declare(TIME_STEP);
    }
    return m;
  }

  public static SampleGenerator create(String name, Map<String, ?> params, long seed) {
    ConfigDef def = SPECS.get(name);
    if (def == null) {
      throw new SpecException("--generator", name, "allowed: one of " + NAMES);
    }
    ConfigValues v = def.parse(new SpecReader("--param", params));
    long start = v.get(START_TIME);
    long step = v.get(TIME_STEP);
    return switch (name) {
      case "hyperplane" -> {
        int dims = v.get(HP_DIMS);
        int drift = Validators.intRange(0, dims).check(v.path(HP_DRIFT), v.get(HP_DRIFT, Math.min(2, dims)));
        yield new RotatingHyperplaneGenerator(dims, drift, v.get(HP_SPEED), v.get(HP_NOISE), v.get(HP_REVERSAL),
            v.get(HP_JUMP), seed, start, step);
      }
      case "sea" -> new SeaGenerator(v.get(SEA_PERIOD), v.get(SEA_NOISE), seed, start, step);
      case "rbf" -> {
        int centroids = v.get(RBF_CENTROIDS);
        int drift = Validators.intRange(0, centroids).check(v.path(RBF_DRIFT), v.get(RBF_DRIFT, centroids));
        yield new RandomRbfGenerator(v.get(RBF_DIMS), v.get(RBF_CLASSES), centroids, drift, v.get(RBF_SPEED), seed,
            start, step);
      }
      case "linear" -> new SeparableLinearGenerator(v.get(LIN_DIMS), v.get(LIN_MARGIN), seed, start, step);
      case "circles" -> new ConcentricCirclesGenerator(v.get(CIR_FACTOR), v.get(CIR_NOISE), seed, start, step);
      default -> throw new IllegalStateException("generator declared without a factory: " + name);
    };
  }

  /** The generators' parameters as one declaration, a row per generator and one per shared key (the README's). */
  public static ConfigDef docs() {
    ConfigDef d = new ConfigDef();
    SPECS.forEach((name, def) -> d.define(name, Types.ANY, null,
        ConfigTable.inline(def, START_TIME.name(), TIME_STEP.name())));
    d.declare(START_TIME);
    d.declare(TIME_STEP);
    return d;
  }
}
