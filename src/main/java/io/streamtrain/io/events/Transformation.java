package io.streamtrain.io.events;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.io.events.EventMapping.Field;
import io.streamtrain.io.events.EventMapping.Transform;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;

/**
 * A mapped field's {@code transform} as declared in {@code input.mapping}: a name ({@code log1p}, {@code lower},
 * {@code hour_of_day}, {@code weekday}) or a transform with arguments ({@code {clip: [LO, HI]}},
 * {@code {bucketize: [B1, B2, ...]}}), parsed into its kind and arguments (null for those without).
 */
record Transformation(Transform transform, double[] args) {
  static final Transformation NONE = new Transformation(Transform.NONE, null);

  /** A transform with arguments. */
  static final ConfigDef WITH_ARGS = new ConfigDef();
  static final Key<double[]> CLIP = WITH_ARGS.optional("clip", Types.DOUBLES, "");
  static final Key<double[]> BUCKETIZE = WITH_ARGS.optional("bucketize", Types.DOUBLES, "");

  /** Parses the value of the {@code transform} key {@code key}; errors name it. */
  static Transformation parse(String key, Object raw) {
    if (raw instanceof String s) {
      Transform t = switch (s) {
        case "log1p" -> Transform.LOG1P;
        case "lower" -> Transform.LOWER;
        case "hour_of_day" -> Transform.HOUR_OF_DAY;
        case "weekday" -> Transform.WEEKDAY;
        default -> throw new SpecException(key, s,
            "allowed: log1p, lower, hour_of_day, weekday, {clip: [LO, HI]}, {bucketize: [B1, B2, ...]}");
      };
      return new Transformation(t, null);
    }
    ConfigValues tv = WITH_ARGS.parse(SpecReader.asReader(key, raw));
    if (tv.has(CLIP)) {
      double[] args = tv.get(CLIP);
      if (args.length != 2 || !(args[0] <= args[1])) {
        throw new SpecException(tv.path(CLIP), Arrays.toString(args), "[LO, HI] with LO <= HI");
      }
      return new Transformation(Transform.CLIP, args);
    }
    if (tv.has(BUCKETIZE)) {
      double[] args = tv.get(BUCKETIZE);
      for (int j = 1; j < args.length; j++) {
        if (!(args[j - 1] < args[j])) {
          throw new SpecException(tv.path(BUCKETIZE), Arrays.toString(args), "increasing boundaries");
        }
      }
      return new Transformation(Transform.BUCKETIZE, args);
    }
    throw new SpecException(key, "give one of log1p, lower, hour_of_day, weekday, clip, bucketize");
  }

  /** {@code x} transformed by {@code f}'s numeric transform (unchanged without one). */
  static double number(Field f, double x) {
    return switch (f.transform()) {
      case LOG1P -> Math.log1p(x);
      case CLIP -> Math.min(Math.max(x, f.args()[0]), f.args()[1]);
      case HOUR_OF_DAY -> Instant.ofEpochMilli((long) x).atOffset(ZoneOffset.UTC).getHour();
      case WEEKDAY -> Instant.ofEpochMilli((long) x).atOffset(ZoneOffset.UTC).getDayOfWeek().getValue();
      default -> x;
    };
  }

  /** The text of {@code v} as {@code f}'s categorical value, transformed. */
  static String text(Field f, Object v) {
    return switch (f.transform()) {
      case LOWER -> Values.text(v).toLowerCase(java.util.Locale.ROOT);
      case BUCKETIZE -> {
        if (!Values.isNumber(v)) {
          yield Values.text(v);
        }
        double x = Values.number(v);
        int b = 0;
        while (b < f.args().length && f.args()[b] <= x) {
          b++;
        }
        yield Integer.toString(b);
      }
      case LOG1P, CLIP, HOUR_OF_DAY, WEEKDAY -> Values.isNumber(v) ? numberText(number(f, Values.number(v)))
          : Values.text(v);
      default -> Values.text(v);
    };
  }

  private static String numberText(double x) {
    return x == Math.rint(x) && Math.abs(x) < 1e15 ? Long.toString((long) x) : Double.toString(x);
  }
}
