package io.streamtrain.io.gen;

import io.streamtrain.core.SpecReader;
import io.streamtrain.io.ReaderOptions;
import java.util.List;
import java.util.Map;

/**
 * Builds a generator from its name and a parameter map (from {@code --param key=value} or a job spec), validating
 * every parameter: unknown names and out-of-range values are errors naming the parameter and what is allowed.
 *
 * <ul>
 *   <li>{@code hyperplane}: dims (10), drift_attributes (2), speed (0.001), noise (0.05), reversal (0.1),
 *       jump_every (0: off; else the drift attributes' weights change sign every jump_every samples)
 *   <li>{@code sea}: period (25000), noise (0.1)
 *   <li>{@code rbf}: dims (10), classes (2), centroids (50), drift_centroids (50), speed (0.0001)
 *   <li>{@code linear}: dims (10), margin (0.1)
 *   <li>{@code circles}: factor (0.5), noise (0.05)
 * </ul>
 *
 * Every generator also takes start_time (epoch ms, default 2026-01-01T00:00:00Z) and time_step_ms (1).
 */
public final class Generators {
  public static final List<String> NAMES = List.of("hyperplane", "sea", "rbf", "linear", "circles");

  private Generators() {}

  public static SampleGenerator create(String name, Map<String, ?> params, long seed) {
    SpecReader r = new SpecReader("--param", params);
    long start = r.getLong("start_time", ReaderOptions.DEFAULT_START_TIME);
    long step = r.getLong("time_step_ms", 1);
    if (step < 0) {
      throw new io.streamtrain.core.SpecException(r.key("time_step_ms"), step, "allowed: an integer >= 0");
    }
    switch (name) {
      case "hyperplane" -> {
        r.rejectUnknown("dims", "drift_attributes", "speed", "noise", "reversal", "jump_every", "start_time",
            "time_step_ms");
        int dims = r.getInt("dims", 10, 1, 1 << 20);
        long jumpEvery = r.getLong("jump_every", 0);
        if (jumpEvery < 0) {
          throw new io.streamtrain.core.SpecException(r.key("jump_every"), jumpEvery, "allowed: an integer >= 0");
        }
        return new RotatingHyperplaneGenerator(
            dims,
            r.getInt("drift_attributes", Math.min(2, dims), 0, dims),
            r.getDouble("speed", 0.001, 0, false, 1e6, false),
            r.getDouble("noise", 0.05, 0, false, 1, false),
            r.getDouble("reversal", 0.1, 0, false, 1, false),
            jumpEvery,
            seed,
            start,
            step);
      }
      case "sea" -> {
        r.rejectUnknown("period", "noise", "start_time", "time_step_ms");
        long period = r.getLong("period", 25_000);
        if (period < 1) {
          throw new io.streamtrain.core.SpecException(r.key("period"), period, "allowed: an integer >= 1");
        }
        return new SeaGenerator(period, r.getDouble("noise", 0.1, 0, false, 1, false), seed, start, step);
      }
      case "rbf" -> {
        r.rejectUnknown("dims", "classes", "centroids", "drift_centroids", "speed", "start_time", "time_step_ms");
        int centroids = r.getInt("centroids", 50, 1, 1 << 20);
        return new RandomRbfGenerator(
            r.getInt("dims", 10, 1, 1 << 20),
            r.getInt("classes", 2, 2, 1 << 20),
            centroids,
            r.getInt("drift_centroids", centroids, 0, centroids),
            r.getDouble("speed", 0.0001, 0, false, 1, false),
            seed,
            start,
            step);
      }
      case "linear" -> {
        r.rejectUnknown("dims", "margin", "start_time", "time_step_ms");
        return new SeparableLinearGenerator(
            r.getInt("dims", 10, 1, 1 << 20), r.getDouble("margin", 0.1, 0, false, 3, false), seed, start, step);
      }
      case "circles" -> {
        r.rejectUnknown("factor", "noise", "start_time", "time_step_ms");
        return new ConcentricCirclesGenerator(
            r.getDouble("factor", 0.5, 0, true, 1, true), r.getDouble("noise", 0.05, 0, false, 10, false), seed, start, step);
      }
      default -> throw new io.streamtrain.core.SpecException("--generator", name, "allowed: one of " + NAMES);
    }
  }
}
