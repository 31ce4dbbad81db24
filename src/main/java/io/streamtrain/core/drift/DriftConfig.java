package io.streamtrain.core.drift;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
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
 * Detector keys and defaults (River's): adwin {@code delta} 0.002, {@code clock} 32, {@code max_buckets} 5,
 * {@code min_window_length} 5, {@code grace_period} 10, {@code direction} both (or up: report increases only); page_hinkley {@code min_instances} 30, {@code delta} 0.005,
 * {@code threshold} 50, {@code alpha} 0.9999; ddm {@code min_instances} 30, {@code warning_level} 2,
 * {@code drift_level} 3; eddm {@code min_errors} 30, {@code alpha} 0.95, {@code beta} 0.9. DDM and EDDM take the
 * error signal only. The default reaction is none (report only).
 */
public record DriftConfig(String detector, Map<String, Object> params, Signal signal, Reaction reaction,
    double boostFactor, long boostSteps) implements java.io.Serializable {
  public static final List<String> KEYS = List.of("detector", "signal", "reaction");
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

  /** Parses and validates a {@code drift} section (its errors name the key). */
  public static DriftConfig fromSpec(SpecReader r) {
    r.rejectUnknown(KEYS);
    SpecReader d;
    if (r.raw("detector") instanceof String name) {
      d = new SpecReader(r.key("detector"), Map.of("type", name));
    } else if (r.has("detector")) {
      d = r.child("detector");
    } else {
      throw new SpecException(r.key("detector"), "missing; allowed: one of " + DETECTORS + " or {type: ...}");
    }
    String type = d.getEnum("type", null, DETECTORS);
    if (type == null) {
      throw new SpecException(d.key("type"), "missing; allowed: one of " + DETECTORS);
    }
    Signal signal = Signal.valueOf(r.getEnum("signal", "error", List.of("error", "loss")).toUpperCase());
    @SuppressWarnings("unchecked")
    Map<String, Object> params = new java.util.LinkedHashMap<>((Map<String, Object>) d.map());
    params.remove("type");
    DriftConfig probe = new DriftConfig(type, params, signal, Reaction.NONE, 1.0, 0);
    DriftDetector det = probe.newDetector(d);
    if (det.binaryInput() && signal == Signal.LOSS) {
      throw new SpecException(r.key("signal"), "loss", "allowed with " + type + ": error (it takes 0/1 errors)");
    }
    Reaction reaction = Reaction.NONE;
    double factor = 1.0;
    long steps = 0;
    if (r.has("reaction")) {
      SpecReader re = r.raw("reaction") instanceof String name
          ? new SpecReader(r.key("reaction"), Map.of("type", name)) : r.child("reaction");
      String rt = re.getEnum("type", "none", List.of("none", "reset_optimizer", "boost_lr", "background"));
      reaction = Reaction.valueOf(rt.toUpperCase());
      if (reaction == Reaction.BOOST_LR) {
        re.rejectUnknown("type", "factor", "steps");
        factor = re.getDouble("factor", 3.0, 1.0, true, 1e6, false);
        steps = re.getLong("steps", 100);
        if (steps < 1) {
          throw new SpecException(re.key("steps"), steps, "allowed: an integer >= 1");
        }
      } else {
        re.rejectUnknown("type");
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
    switch (detector) {
      case "adwin" -> {
        d.rejectUnknown("type", "delta", "clock", "max_buckets", "min_window_length", "grace_period", "direction");
        return new Adwin(d.getDouble("delta", 0.002, 0.0, true, 1.0, true), d.getInt("clock", 32, 1, 1 << 20),
            d.getInt("max_buckets", 5, 2, 100), d.getInt("min_window_length", 5, 1, 1 << 20),
            d.getInt("grace_period", 10, 0, 1 << 20),
            d.getEnum("direction", "both", List.of("both", "up")).equals("up"));
      }
      case "page_hinkley" -> {
        d.rejectUnknown("type", "min_instances", "delta", "threshold", "alpha");
        return new PageHinkley(d.getInt("min_instances", 30, 1, Integer.MAX_VALUE),
            d.getDouble("delta", 0.005, 0.0, false, Double.MAX_VALUE, false),
            d.getDouble("threshold", 50.0, 0.0, true, Double.MAX_VALUE, false),
            d.getDouble("alpha", 1 - 0.0001, 0.0, true, 1.0, false));
      }
      case "ddm" -> {
        d.rejectUnknown("type", "min_instances", "warning_level", "drift_level");
        double w = d.getDouble("warning_level", 2.0, 0.0, true, 100.0, false);
        double dl = d.getDouble("drift_level", 3.0, 0.0, true, 100.0, false);
        if (dl < w) {
          throw new SpecException(d.key("drift_level"), dl, "allowed: >= warning_level (" + w + ")");
        }
        return new Ddm(d.getInt("min_instances", 30, 1, Integer.MAX_VALUE), w, dl);
      }
      case "eddm" -> {
        d.rejectUnknown("type", "min_errors", "alpha", "beta");
        double a = d.getDouble("alpha", 0.95, 0.0, true, 1.0, false);
        double b = d.getDouble("beta", 0.9, 0.0, true, 1.0, false);
        if (a < b) {
          throw new SpecException(d.key("beta"), b, "allowed: <= alpha (" + a + ")");
        }
        return new Eddm(d.getInt("min_errors", 30, 1, Integer.MAX_VALUE), a, b);
      }
      default -> throw new SpecException("drift.detector.type", detector, "allowed: one of " + DETECTORS);
    }
  }
}
