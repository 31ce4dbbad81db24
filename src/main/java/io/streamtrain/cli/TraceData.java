package io.streamtrain.cli;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.RejectReason;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ModelSpec;
import io.streamtrain.core.model.ModelSpecs;

/**
 * The dense data section of the model traces ({@code data: {X, y, weights}}) with the model built for it: rows
 * checked for shape, every example validated by the model's feature space, errors naming the row's key.
 */
record TraceData(SpecReader key, double[][] x, double[] y, double[] w, ModelSpec spec) {

  /** Parses {@code data} and {@code model} (without {@code features}, the dense width is taken from the data). */
  static TraceData parse(SpecReader r, String command) {
    SpecReader data = r.child("data");
    data.rejectUnknown("X", "y", "weights");
    double[][] x = data.requireDoubleMatrix("X");
    double[] y = data.requireDoubleArray("y");
    if (x.length == 0) {
      throw new SpecException(data.key("X"), "is empty; allowed: at least one row");
    }
    if (y.length != x.length) {
      throw new SpecException(data.key("y"), "has " + y.length + " labels; allowed: one per row of X (" + x.length + ")");
    }
    double[] w = data.getDoubleArray("weights", null);
    if (w != null && w.length != x.length) {
      throw new SpecException(data.key("weights"), "has " + w.length + " values; allowed: one per row of X (" + x.length + ")");
    }
    ModelSpec ms = ModelSpecs.fromSpec(r.child("model"), x[0].length);
    if (ms.features().sparseDim() > 0 || ms.features().hashBits() > 0) {
      throw new SpecException(r.key("model.features"), command + " feeds dense rows; allowed: only {\"dense\": D}");
    }
    Example e = new Example();
    for (int i = 0; i < x.length; i++) {
      e.clear();
      e.setDense(x[i], x[i].length).setLabel(y[i]).setWeight(w == null ? 1.0 : w[i]);
      RejectReason why = io.streamtrain.core.data.Validation.check(ms.features(), e);
      if (why != RejectReason.OK) {
        String key = switch (why) {
          case INVALID_WEIGHT -> data.key("weights") + "[" + i + "]";
          case NON_FINITE_LABEL, LABEL_OUT_OF_RANGE -> data.key("y") + "[" + i + "]";
          default -> data.key("X") + "[" + i + "]";
        };
        throw new SpecException(key, "rejected (" + why + "): " + why.description());
      }
    }
    return new TraceData(data, x, y, w, ms);
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
  static double[] initial(SpecReader r, Model model) {
    double[] params = new double[model.numParams()];
    if (r.has("initial")) {
      model.layout().fromNested(r.child("initial"), params);
    } else {
      model.init(params, model.spec().seed());
    }
    return params;
  }
}
