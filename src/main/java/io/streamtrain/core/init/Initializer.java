package io.streamtrain.core.init;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;

/**
 * One initialization strategy for a weight matrix or bias vector, with torch.nn.init's formulas, gains and fan
 * conventions (https://pytorch.org/docs/stable/nn.init.html): for a weight of shape [out, in], fan_in = in and
 * fan_out = out; a bias uses its layer's fans. Values are drawn from a {@link SplitMix64} in row-major order.
 * <ul>
 *   <li>zeros; constant(value); uniform(low, high); normal(mean, std)
 *   <li>xavier_uniform(gain): U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)); xavier_normal(gain): N(0, s^2),
 *       s = gain * sqrt(2 / (fan_in + fan_out)) (Glorot and Bengio 2010)
 *   <li>kaiming_uniform(a, mode, nonlinearity): U(-b, b), b = gain * sqrt(3 / fan); kaiming_normal: N(0, s^2),
 *       s = gain / sqrt(fan); fan = fan_in or fan_out by mode, gain = torch's calculate_gain(nonlinearity, a)
 *       (He et al. 2015); torch's defaults a = 0, mode fan_in, nonlinearity leaky_relu
 *   <li>orthogonal(gain): QR of a standard gaussian [rows, cols] matrix (transposed when rows &lt; cols), Q's columns
 *       multiplied by sign(diag R) (Saxe et al. 2014, as torch.nn.init.orthogonal_)
 *   <li>torch_default: what nn.Linear.reset_parameters does, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for both the
 *       weight (kaiming_uniform with a = sqrt(5)) and the bias
 * </ul>
 * Immutable.
 */
public final class Initializer {
  /** Strategy names as written in specs. */
  public enum Kind {
    ZEROS("zeros"),
    CONSTANT("constant"),
    UNIFORM("uniform"),
    NORMAL("normal"),
    XAVIER_UNIFORM("xavier_uniform"),
    XAVIER_NORMAL("xavier_normal"),
    KAIMING_UNIFORM("kaiming_uniform"),
    KAIMING_NORMAL("kaiming_normal"),
    ORTHOGONAL("orthogonal"),
    TORCH_DEFAULT("torch_default");

    public final String specName;

    Kind(String specName) {
      this.specName = specName;
    }
  }

  public static final List<String> NAMES =
      List.of("zeros", "constant", "uniform", "normal", "xavier_uniform", "xavier_normal", "kaiming_uniform",
          "kaiming_normal", "orthogonal", "torch_default");
  /** Strategies that make sense for a 1-D bias (torch refuses fan-based ones for fewer than 2 dimensions). */
  public static final List<String> BIAS_NAMES = List.of("zeros", "constant", "uniform", "normal", "torch_default");
  public static final List<String> NONLINEARITIES =
      List.of("linear", "identity", "sigmoid", "tanh", "relu", "leaky_relu", "selu");

  private final Kind kind;
  private final double p1;
  private final double p2;
  private final boolean fanOutMode;
  private final String nonlinearity;

  private Initializer(Kind kind, double p1, double p2, boolean fanOutMode, String nonlinearity) {
    this.kind = kind;
    this.p1 = p1;
    this.p2 = p2;
    this.fanOutMode = fanOutMode;
    this.nonlinearity = nonlinearity;
  }

  public static Initializer zeros() {
    return new Initializer(Kind.ZEROS, 0, 0, false, null);
  }

  public static Initializer constant(double value) {
    return new Initializer(Kind.CONSTANT, value, 0, false, null);
  }

  public static Initializer uniform(double low, double high) {
    return new Initializer(Kind.UNIFORM, low, high, false, null);
  }

  public static Initializer normal(double mean, double std) {
    return new Initializer(Kind.NORMAL, mean, std, false, null);
  }

  public static Initializer xavierUniform(double gain) {
    return new Initializer(Kind.XAVIER_UNIFORM, gain, 0, false, null);
  }

  public static Initializer xavierNormal(double gain) {
    return new Initializer(Kind.XAVIER_NORMAL, gain, 0, false, null);
  }

  public static Initializer kaimingUniform(double a, boolean fanOut, String nonlinearity) {
    return new Initializer(Kind.KAIMING_UNIFORM, a, 0, fanOut, nonlinearity);
  }

  public static Initializer kaimingNormal(double a, boolean fanOut, String nonlinearity) {
    return new Initializer(Kind.KAIMING_NORMAL, a, 0, fanOut, nonlinearity);
  }

  public static Initializer orthogonal(double gain) {
    return new Initializer(Kind.ORTHOGONAL, gain, 0, false, null);
  }

  public static Initializer torchDefault() {
    return new Initializer(Kind.TORCH_DEFAULT, 0, 0, false, null);
  }

  public Kind kind() {
    return kind;
  }

  /**
   * Parses {@code "xavier_uniform"} or {@code {"type": "kaiming_normal", "a": 0, "mode": "fan_in",
   * "nonlinearity": "relu"}}; {@code bias} restricts the choice to {@link #BIAS_NAMES}. Each type's parameters and
   * their defaults are declared in {@code Spec}.
   */
  public static Initializer fromSpec(String key, Object spec, boolean bias) {
    List<String> allowed = bias ? BIAS_NAMES : NAMES;
    SpecReader r;
    String type;
    if (spec instanceof String s) {
      type = s;
      r = new SpecReader(key, java.util.Map.of());
    } else {
      r = SpecReader.asReader(key, spec);
      type = r.requireString("type");
    }
    if (!allowed.contains(type)) {
      throw new SpecException(spec instanceof String ? key : r.key("type"), type, "allowed: one of " + allowed);
    }
    ConfigValues v = Spec.BY_TYPE.getOrDefault(type, Spec.TYPE_ONLY).parse(r);
    switch (type) {
      case "zeros":
        return zeros();
      case "constant":
        return constant(v.get(Spec.VALUE));
      case "uniform": {
        double lo = v.get(Spec.LOW);
        double hi = v.get(Spec.HIGH);
        if (!(hi > lo)) {
          throw new SpecException(v.path(Spec.HIGH), hi, "allowed: a number greater than low (" + lo + ")");
        }
        return uniform(lo, hi);
      }
      case "normal":
        return normal(v.get(Spec.MEAN), v.get(Spec.STD));
      case "xavier_uniform":
        return xavierUniform(v.get(Spec.GAIN));
      case "xavier_normal":
        return xavierNormal(v.get(Spec.GAIN));
      case "kaiming_uniform":
      case "kaiming_normal": {
        double a = v.get(Spec.A);
        boolean fanOut = v.get(Spec.MODE).equals("fan_out");
        String nl = v.get(Spec.NONLINEARITY);
        return type.equals("kaiming_uniform") ? kaimingUniform(a, fanOut, nl) : kaimingNormal(a, fanOut, nl);
      }
      case "orthogonal":
        return orthogonal(v.get(Spec.GAIN));
      default:
        return torchDefault();
    }
  }

  /** Each initializer's keys with torch's defaults. */
  static final class Spec {
    private Spec() {}


    static final Validators.Range NON_NEGATIVE = Validators.range(0.0, false, Double.MAX_VALUE, false);
    static final Validators.Range POSITIVE = Validators.range(0.0, true, Double.MAX_VALUE, false);

    static final ConfigDef TYPE_ONLY = ConfigDef.withType(false);
    static final ConfigDef CONSTANT = ConfigDef.withType(false);
    static final Key<Double> VALUE = CONSTANT.define("value", Types.DOUBLE, 0.0, Validators.finite(), "");
    static final ConfigDef UNIFORM = ConfigDef.withType(false);
    static final Key<Double> LOW = UNIFORM.define("low", Types.DOUBLE, 0.0, Validators.finite(), "");
    static final Key<Double> HIGH = UNIFORM.define("high", Types.DOUBLE, 1.0, Validators.finite(), "");
    static final ConfigDef NORMAL = ConfigDef.withType(false);
    static final Key<Double> MEAN = NORMAL.define("mean", Types.DOUBLE, 0.0, Validators.finite(), "");
    static final Key<Double> STD = NORMAL.define("std", Types.DOUBLE, 1.0, NON_NEGATIVE, "");
    /** xavier_uniform, xavier_normal and orthogonal take a gain. */
    static final ConfigDef GAINED = ConfigDef.withType(false);
    static final Key<Double> GAIN = GAINED.define("gain", Types.DOUBLE, 1.0, POSITIVE, "");
    static final ConfigDef KAIMING = ConfigDef.withType(false);
    static final Key<Double> A = KAIMING.define("a", Types.DOUBLE, 0.0, NON_NEGATIVE, "");
    static final Key<String> MODE = KAIMING.define("mode", Types.STRING, "fan_in",
        Validators.of(List.of("fan_in", "fan_out")::contains, "one of [fan_in, fan_out]"), "");
    static final Key<String> NONLINEARITY = KAIMING.define("nonlinearity", Types.STRING, "leaky_relu",
        Validators.of(NONLINEARITIES::contains, "one of " + NONLINEARITIES), "");

    static final java.util.Map<String, ConfigDef> BY_TYPE = java.util.Map.of("constant", CONSTANT, "uniform",
        UNIFORM, "normal", NORMAL, "xavier_uniform", GAINED, "xavier_normal", GAINED, "orthogonal", GAINED,
        "kaiming_uniform", KAIMING, "kaiming_normal", KAIMING);
  }

  /** torch.nn.init.calculate_gain. */
  public static double gain(String nonlinearity, double a) {
    switch (nonlinearity) {
      case "tanh":
        return 5.0 / 3.0;
      case "relu":
        return Math.sqrt(2.0);
      case "leaky_relu":
        return Math.sqrt(2.0 / (1.0 + a * a));
      case "selu":
        return 3.0 / 4.0;
      default:
        return 1.0;
    }
  }

  /**
   * Fills {@code rows * cols} values at {@code a[off..]} (row-major) for a tensor whose layer has the given
   * fans.
   */
  public void fill(double[] a, int off, int rows, int cols, int fanIn, int fanOut, SplitMix64 rng) {
    int n = rows * cols;
    switch (kind) {
      case ZEROS:
        java.util.Arrays.fill(a, off, off + n, 0.0);
        break;
      case CONSTANT:
        java.util.Arrays.fill(a, off, off + n, p1);
        break;
      case UNIFORM:
        for (int i = 0; i < n; i++) {
          a[off + i] = rng.uniform(p1, p2);
        }
        break;
      case NORMAL:
        for (int i = 0; i < n; i++) {
          a[off + i] = p1 + p2 * rng.nextGaussian();
        }
        break;
      case XAVIER_UNIFORM: {
        double b = p1 * Math.sqrt(6.0 / (fanIn + fanOut));
        for (int i = 0; i < n; i++) {
          a[off + i] = rng.uniform(-b, b);
        }
        break;
      }
      case XAVIER_NORMAL: {
        double s = p1 * Math.sqrt(2.0 / (fanIn + fanOut));
        for (int i = 0; i < n; i++) {
          a[off + i] = s * rng.nextGaussian();
        }
        break;
      }
      case KAIMING_UNIFORM: {
        double std = gain(nonlinearity, p1) / Math.sqrt(fanOutMode ? fanOut : fanIn);
        double b = Math.sqrt(3.0) * std;
        for (int i = 0; i < n; i++) {
          a[off + i] = rng.uniform(-b, b);
        }
        break;
      }
      case KAIMING_NORMAL: {
        double std = gain(nonlinearity, p1) / Math.sqrt(fanOutMode ? fanOut : fanIn);
        for (int i = 0; i < n; i++) {
          a[off + i] = std * rng.nextGaussian();
        }
        break;
      }
      case ORTHOGONAL:
        orthogonal(a, off, rows, cols, p1, rng);
        break;
      case TORCH_DEFAULT: {
        double b = 1.0 / Math.sqrt(fanIn);
        for (int i = 0; i < n; i++) {
          a[off + i] = rng.uniform(-b, b);
        }
        break;
      }
      default:
        throw new IllegalStateException(kind.toString());
    }
  }

  private static void orthogonal(double[] a, int off, int rows, int cols, double gain, SplitMix64 rng) {
    boolean transpose = rows < cols;
    int m = transpose ? cols : rows;
    int k = transpose ? rows : cols;
    // Draw the gaussian [rows, cols] matrix in row-major order, then work on its tall orientation (m >= k).
    double[] g = new double[rows * cols];
    for (int i = 0; i < g.length; i++) {
      g[i] = rng.nextGaussian();
    }
    DMatrixRMaj tall = new DMatrixRMaj(m, k);
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        if (transpose) {
          tall.set(c, r, g[r * cols + c]);
        } else {
          tall.set(r, c, g[r * cols + c]);
        }
      }
    }
    QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(m, k);
    if (!qr.decompose(tall.copy())) {
      throw new IllegalStateException("QR decomposition failed");
    }
    DMatrixRMaj q = qr.getQ(null, true);
    DMatrixRMaj rr = qr.getR(null, true);
    for (int c = 0; c < k; c++) {
      double s = Math.signum(rr.get(c, c));
      if (s == 0) {
        s = 1;
      }
      for (int r = 0; r < m; r++) {
        q.set(r, c, q.get(r, c) * s);
      }
    }
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        a[off + r * cols + c] = gain * (transpose ? q.get(c, r) : q.get(r, c));
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Initializer i
        && i.kind == kind
        && Double.compare(i.p1, p1) == 0
        && Double.compare(i.p2, p2) == 0
        && i.fanOutMode == fanOutMode
        && java.util.Objects.equals(i.nonlinearity, nonlinearity);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(kind, p1, p2, fanOutMode, nonlinearity);
  }

  @Override
  public String toString() {
    return kind.specName;
  }
}
