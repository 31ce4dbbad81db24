package io.streamtrain.core.drift;

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
 * A model's {@code drift} section: which detector watches which signal, and what the trainer does at a warning
 * and at a detected change.
 *
 * <pre>
 * drift:
 *   detector: {type: adwin, delta: 0.002}      # or a name: adwin | page_hinkley | ddm | eddm
 *   signal: error                              # error (progressive 0/1 per sample) | loss (batch loss per step)
 *   reaction: {type: boost_lr, factor: 3.0, steps: 200}   # none | reset_optimizer | boost_lr | background
 * </pre>
 *
 * Each detector's keys and defaults (River's) are declared once in {@code Spec} ({@link #keysDoc()} lists them for
 * the docs). DDM and EDDM take the error signal only. The default reaction is none (report only).
 */
public record DriftConfig(String detector, Map<String, Object> params, Signal signal, Reaction reaction,
    double boostFactor, long boostSteps) implements java.io.Serializable {
  public static final List<String> KEYS = Spec.DRIFT.names();
  public static final List<String> DETECTORS = List.of("adwin", "page_hinkley", "ddm", "eddm");

  /** What the detector is fed. */
  public enum Signal {
    /** Per sample, in batch order: 1.0 when the prediction before training on it was wrong, else 0.0. */
    ERROR,
    /** Per applied step: the batch's mean loss before the update. */
    LOSS
  }

  /** What the trainer does at a detected change. */
  public enum Reaction {
    NONE, RESET_OPTIMIZER, BOOST_LR,
    /**
     * MOA's way: a background model (fresh parameters and optimizer) trains from the warning onset on the same
     * batches; at the detection it replaces the model's parameters, buffers and optimizer state; a warning that
     * ends without a detection discards it. Needs a detector with a warning zone (DDM, EDDM).
     */
    BACKGROUND
  }

  /** The section's keys, the reactions' and each detector's, with their defaults. */
  static final class Spec {
    private Spec() {}

    static final ConfigDef DRIFT = new ConfigDef();
    static final Key<Object> DETECTOR = DRIFT.optional("detector", Types.ANY, "");
    static final Key<Signal> SIGNAL = DRIFT.define("signal", Types.enumOf(Signal.class), Signal.ERROR, "");
    static final Key<Object> REACTION = DRIFT.optional("reaction", Types.ANY, "");

    static final ConfigDef BOOST = new ConfigDef();
    static final Key<Reaction> BOOST_TYPE = BOOST.define("type", Types.enumOf(Reaction.class), Reaction.NONE, "");
    static final Key<Double> FACTOR = BOOST.define("factor", Types.DOUBLE, 3.0, Validators.range(1.0, true, 1e6,
        false), "");
    static final Key<Long> STEPS = BOOST.define("steps", Types.LONG, 100L, Validators.longAtLeast(1), "");
    static final ConfigDef OTHER_REACTION = new ConfigDef();
    static final Key<Reaction> REACTION_TYPE = OTHER_REACTION.define("type", Types.enumOf(Reaction.class),
        Reaction.NONE, "");


    static final ConfigDef ADWIN = ConfigDef.withType(false);
    static final Key<Double> ADWIN_DELTA = ADWIN.define("delta", Types.DOUBLE, 0.002, Validators.range(0.0, true,
        1.0, true), "");
    static final Key<Integer> CLOCK = ADWIN.define("clock", Types.INT, 32, Validators.intRange(1, 1 << 20), "");
    static final Key<Integer> MAX_BUCKETS = ADWIN.define("max_buckets", Types.INT, 5, Validators.intRange(2, 100),
        "");
    static final Key<Integer> MIN_WINDOW = ADWIN.define("min_window_length", Types.INT, 5,
        Validators.intRange(1, 1 << 20), "");
    static final Key<Integer> GRACE = ADWIN.define("grace_period", Types.INT, 10, Validators.intRange(0, 1 << 20),
        "");
    static final Key<String> DIRECTION = ADWIN.define("direction", Types.STRING, "both",
        Validators.of(List.of("both", "up")::contains, "one of [both, up]"), "(or up: increases only)");

    static final ConfigDef PAGE_HINKLEY = ConfigDef.withType(false);
    static final Key<Integer> PH_MIN = count(PAGE_HINKLEY, "min_instances", 30);
    static final Key<Double> PH_DELTA = PAGE_HINKLEY.define("delta", Types.DOUBLE, 0.005,
        Validators.range(0.0, false, Double.MAX_VALUE, false), "");
    static final Key<Double> PH_THRESHOLD = PAGE_HINKLEY.define("threshold", Types.DOUBLE, 50.0,
        Validators.range(0.0, true, Double.MAX_VALUE, false), "");
    static final Key<Double> PH_ALPHA = upTo(PAGE_HINKLEY, "alpha", 1 - 0.0001, 1.0);

    /** A count of samples or errors a detector waits for, >= 1. */
    static Key<Integer> count(ConfigDef d, String name, int dflt) {
      return d.define(name, Types.INT, dflt, Validators.intRange(1, Integer.MAX_VALUE), "");
    }

    /** A number in (0, hi]. */
    static Key<Double> upTo(ConfigDef d, String name, double dflt, double hi) {
      return d.define(name, Types.DOUBLE, dflt, Validators.range(0.0, true, hi, false), "");
    }

    static final ConfigDef DDM = ConfigDef.withType(false);
    static final Key<Integer> DDM_MIN = count(DDM, "min_instances", 30);
    static final Key<Double> WARNING = upTo(DDM, "warning_level", 2.0, 100.0);
    static final Key<Double> DRIFT_LEVEL = upTo(DDM, "drift_level", 3.0, 100.0);

    static final ConfigDef EDDM = ConfigDef.withType(false);
    static final Key<Integer> MIN_ERRORS = count(EDDM, "min_errors", 30);
    static final Key<Double> EDDM_ALPHA = upTo(EDDM, "alpha", 0.95, 1.0);
    static final Key<Double> EDDM_BETA = upTo(EDDM, "beta", 0.9, 1.0);

    static final Map<String, ConfigDef> BY_DETECTOR = Map.of("adwin", ADWIN, "page_hinkley", PAGE_HINKLEY,
        "ddm", DDM, "eddm", EDDM);
  }

  /** Each detector's keys and defaults, for the docs: {@code adwin `delta` (0.002), ...}. */
  public static String keysDoc() {
    List<String> out = new java.util.ArrayList<>();
    for (String type : DETECTORS) {
      out.add(type + " " + ConfigTable.inline(Spec.BY_DETECTOR.get(type), "type"));
    }
    return String.join("; ", out);
  }

  /** Parses and validates a {@code drift} section (its errors name the key). */
  public static DriftConfig fromSpec(SpecReader r) {
    ConfigValues v = Spec.DRIFT.parse(r);
    SpecReader d;
    if (v.raw(Spec.DETECTOR) instanceof String name) {
      d = new SpecReader(v.path(Spec.DETECTOR), Map.of("type", name));
    } else if (v.has(Spec.DETECTOR)) {
      d = r.child(Spec.DETECTOR.name());
    } else {
      throw new SpecException(v.path(Spec.DETECTOR), "missing; allowed: one of " + DETECTORS + " or {type: ...}");
    }
    String type = d.getEnum("type", null, DETECTORS);
    if (type == null) {
      throw new SpecException(d.key("type"), "missing; allowed: one of " + DETECTORS);
    }
    Signal signal = v.get(Spec.SIGNAL);
    @SuppressWarnings("unchecked")
    Map<String, Object> params = new java.util.LinkedHashMap<>((Map<String, Object>) d.map());
    params.remove("type");
    DriftConfig probe = new DriftConfig(type, params, signal, Reaction.NONE, 1.0, 0);
    DriftDetector det = probe.newDetector(d);
    if (det.binaryInput() && signal == Signal.LOSS) {
      throw new SpecException(v.path(Spec.SIGNAL), "loss", "allowed with " + type + ": error (it takes 0/1 errors)");
    }
    Reaction reaction = Reaction.NONE;
    double factor = 1.0;
    long steps = 0;
    if (v.has(Spec.REACTION)) {
      SpecReader re = v.raw(Spec.REACTION) instanceof String name
          ? new SpecReader(v.path(Spec.REACTION), Map.of("type", name)) : r.child(Spec.REACTION.name());
      reaction = Types.enumOf(Reaction.class).parse(re.key("type"), re.has("type") ? re.raw("type") : "none");
      if (reaction == Reaction.BOOST_LR) {
        ConfigValues b = Spec.BOOST.parse(re);
        factor = b.get(Spec.FACTOR);
        steps = b.get(Spec.STEPS);
      } else {
        Spec.OTHER_REACTION.parse(re);
      }
      if (reaction == Reaction.BACKGROUND && !det.hasWarningZone()) {
        throw new SpecException(re.key("type"), "background", "allowed with a warning zone only (ddm, eddm): the"
            + " background model trains from the warning on; " + type + " has none");
      }
    }
    return new DriftConfig(type, params, signal, reaction, factor, steps);
  }

  /**
   * The section as a plain map that {@link #fromSpec} reads back to an equal configuration (what a checkpoint
   * stores beside the detector's state, and how a restart tells a changed section).
   */
  public Map<String, Object> toMap() {
    Map<String, Object> det = new java.util.TreeMap<>(params);
    det.put("type", detector);
    Map<String, Object> re = new java.util.TreeMap<>();
    re.put("type", reaction.name().toLowerCase());
    if (reaction == Reaction.BOOST_LR) {
      re.put("factor", boostFactor);
      re.put("steps", boostSteps);
    }
    Map<String, Object> m = new java.util.TreeMap<>();
    m.put("detector", det);
    m.put("signal", signal.name().toLowerCase());
    m.put("reaction", re);
    return m;
  }

  /** A new detector of this configuration, in its initial state. */
  public DriftDetector newDetector() {
    return newDetector(new SpecReader("drift.detector", params));
  }

  private DriftDetector newDetector(SpecReader d) {
    ConfigDef def = Spec.BY_DETECTOR.get(detector);
    if (def == null) {
      throw new SpecException("drift.detector.type", detector, "allowed: one of " + DETECTORS);
    }
    ConfigValues v = def.parse(d);
    switch (detector) {
      case "adwin" -> {
        return new Adwin(v.get(Spec.ADWIN_DELTA), v.get(Spec.CLOCK), v.get(Spec.MAX_BUCKETS), v.get(Spec.MIN_WINDOW),
            v.get(Spec.GRACE), v.get(Spec.DIRECTION).equals("up"));
      }
      case "page_hinkley" -> {
        return new PageHinkley(v.get(Spec.PH_MIN), v.get(Spec.PH_DELTA), v.get(Spec.PH_THRESHOLD),
            v.get(Spec.PH_ALPHA));
      }
      case "ddm" -> {
        double w = v.get(Spec.WARNING);
        double dl = v.get(Spec.DRIFT_LEVEL);
        if (dl < w) {
          throw new SpecException(v.path(Spec.DRIFT_LEVEL), dl, "allowed: >= warning_level (" + w + ")");
        }
        return new Ddm(v.get(Spec.DDM_MIN), w, dl);
      }
      default -> {
        double a = v.get(Spec.EDDM_ALPHA);
        double b = v.get(Spec.EDDM_BETA);
        if (a < b) {
          throw new SpecException(v.path(Spec.EDDM_BETA), b, "allowed: <= alpha (" + a + ")");
        }
        return new Eddm(v.get(Spec.MIN_ERRORS), a, b);
      }
    }
  }
}
