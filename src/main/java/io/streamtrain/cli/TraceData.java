package io.streamtrain.cli;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Type;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.RejectReason;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ModelSpec;
import io.streamtrain.core.model.ModelSpecs;

/**
 * The dense data section of the model traces ({@code data: {X, y, weights}}) with the model built for it: rows
 * checked for shape, every example validated by the model's feature space, errors naming the row's key. The keys
 * the model traces share ({@code model}, {@code initial}, {@code data}) are declared here once.
 */
record TraceData(double[][] x, double[] y, double[] w, ModelSpec spec) {
  /** A section handed as read to its own parser (it needs what other keys decide, e.g. the data's width). */
  private static final Type<SpecReader> SECTION = Types.reader(r -> r);

  private static final ConfigDef DATA_SPEC = new ConfigDef();
  private static final Key<double[][]> X = DATA_SPEC.required("X", Types.DOUBLE_MATRIX, "rows of dense values");
  private static final Key<double[]> Y = DATA_SPEC.required("y", Types.DOUBLES, "one label per row");
  private static final Key<double[]> WEIGHTS = DATA_SPEC.optional("weights", Types.DOUBLES,
      "one sample weight per row (1 when absent)");

  static final Key<SpecReader> MODEL = new ConfigDef().required("model", SECTION,
      "as a job's (ModelSpecs); without `features` the dense width is the data's");
  static final Key<SpecReader> INITIAL = new ConfigDef().optional("initial", SECTION,
      "the starting parameters in the model's layout; absent: the model's initializer with its seed");
  static final Key<ConfigValues> DATA = new ConfigDef().requiredSection("data", DATA_SPEC, v -> v,
      "`{X, y, weights}`");

  /** A model trace's spec, starting with {@code model}, {@code initial} and {@code data}. */
  static ConfigDef modelTraceSpec() {
    ConfigDef d = new ConfigDef();
    d.declare(MODEL);
    d.declare(INITIAL);
    d.declare(DATA);
    return d;
  }

  /** Parses {@code data} and {@code model} (without {@code features}, the dense width is taken from the data). */
  static TraceData parse(ConfigValues v, String command) {
    ConfigValues data = v.get(DATA);
    double[][] x = data.get(X);
    double[] y = data.get(Y);
    if (x.length == 0) {
      throw new SpecException(data.path(X), "is empty; allowed: at least one row");
    }
    if (y.length != x.length) {
      throw new SpecException(data.path(Y), "has " + y.length + " labels; allowed: one per row of X (" + x.length + ")");
    }
    double[] w = data.get(WEIGHTS);
    if (w != null && w.length != x.length) {
      throw new SpecException(data.path(WEIGHTS), "has " + w.length + " values; allowed: one per row of X (" + x.length + ")");
    }
    SpecReader model = v.get(MODEL);
    ModelSpec ms = ModelSpecs.fromSpec(model, x[0].length);
    if (ms.features().sparseDim() > 0 || ms.features().hashBits() > 0) {
      throw new SpecException(model.key("features"), command + " feeds dense rows; allowed: only {\"dense\": D}");
    }
    Example e = new Example();
    for (int i = 0; i < x.length; i++) {
      e.clear();
      e.setDense(x[i], x[i].length).setLabel(y[i]).setWeight(w == null ? 1.0 : w[i]);
      RejectReason why = io.streamtrain.core.data.Validation.check(ms.features(), e);
      if (why != RejectReason.OK) {
        String key = switch (why) {
          case INVALID_WEIGHT -> data.path(WEIGHTS) + "[" + i + "]";
          case NON_FINITE_LABEL, LABEL_OUT_OF_RANGE -> data.path(Y) + "[" + i + "]";
          default -> data.path(X) + "[" + i + "]";
        };
        throw new SpecException(key, "rejected (" + why + "): " + why.description());
      }
    }
    return new TraceData(x, y, w, ms);
  }

  int rows() {
    return x.length;
  }

  /** Rows [from, to) into {@code b} (cleared first). */
  void fill(Batch b, int from, int to) {
    b.clear();
    for (int i = from; i < to; i++) {
      b.addDense(x[i], 0, y[i], w == null ? 1.0 : w[i]);
    }
  }

  /** The starting parameters: {@code initial} in the model's layout when given, else its initializer. */
  static double[] initial(ConfigValues v, Model model) {
    double[] params = new double[model.numParams()];
    if (v.has(INITIAL)) {
      model.layout().fromNested(v.get(INITIAL), params);
    } else {
      model.init(params, model.spec().seed());
    }
    return params;
  }
}
