package io.streamtrain.core.model;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.RejectReason;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Random model specs, parameters and batches (dense, sparse and hashed features) for the property tests. */
final class RandomModels {
  private RandomModels() {}

  /** Every family with mixed dense (3), sparse (4) and hashed (2^3) inputs, and every MLP combination. */
  static List<Map<String, Object>> allSpecs() {
    List<Map<String, Object>> out = new ArrayList<>();
    Map<String, Object> features = Map.of("dense", 3, "sparse", 4, "hash_bits", 3);
    out.add(spec("type", "linear", "features", features));
    out.add(spec("type", "linear", "features", features, "loss", "huber", "delta", 0.7, "l2", 0.3));
    out.add(spec("type", "logistic", "features", features));
    out.add(spec("type", "logistic", "features", features, "l1", 0.05, "l2", 0.2));
    out.add(spec("type", "softmax", "features", features, "classes", 3));
    out.add(spec("type", "softmax", "features", features, "classes", 4, "l2", 0.1));
    for (String act : Activation.NAMES) {
      for (String head : Head.NAMES) {
        for (boolean bn : new boolean[] {false, true}) {
          for (double dropout : new double[] {0.0, 0.3}) {
            int out1 = head.equals("softmax") ? 3 : 1;
            Map<String, Object> s = spec("type", "mlp", "layers", List.of(15, 5, 4, out1), "activation", act,
                "head", head, "batch_norm", bn, "dropout", dropout, "features", features, "l2", 0.05);
            if (head.equals("linear") && bn) {
              s.put("loss", "huber");
              s.put("delta", 1.5);
            }
            out.add(s);
          }
        }
      }
    }
    return out;
  }

  static Map<String, Object> spec(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static ModelSpec parse(Map<String, Object> spec) {
    return ModelSpecs.fromSpec(new SpecReader("model", spec));
  }

  static double[] gaussian(Random rnd, int n, double scale) {
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = scale * rnd.nextGaussian();
    }
    return out;
  }

  /** A random valid example for the space (the label fits the target). */
  static Example example(Random rnd, FeatureSpace fs) {
    Example e = new Example();
    for (int j = 0; j < fs.denseDim(); j++) {
      e.addDense(rnd.nextGaussian());
    }
    int ns = fs.sparseDim() == 0 ? 0 : rnd.nextInt(3);
    for (int j = 0; j < ns; j++) {
      e.addSparse(rnd.nextInt(fs.sparseDim()), rnd.nextGaussian());
    }
    if (fs.hashBits() > 0) {
      e.addCategorical("color", List.of("red", "green", "blue").get(rnd.nextInt(3)));
      e.addNumeric("price", rnd.nextGaussian());
    }
    switch (fs.target()) {
      case BINARY:
        e.setLabel(rnd.nextBoolean() ? 1.0 : 0.0);
        break;
      case CLASSES:
        e.setLabel(rnd.nextInt(fs.classes()));
        break;
      default:
        e.setLabel(2.0 * rnd.nextGaussian());
        break;
    }
    e.setWeight(0.2 + 1.8 * rnd.nextDouble());
    if (io.streamtrain.core.data.Validation.check(fs, e) != RejectReason.OK) {
      throw new AssertionError(io.streamtrain.core.data.Validation.check(fs, e));
    }
    return e;
  }

  static Batch batch(Random rnd, Model m, int n) {
    Batch b = m.newBatch(n);
    for (int i = 0; i < n; i++) {
      b.add(example(rnd, m.featureSpace()));
    }
    return b;
  }

  /** Random parameters of scale 0.6 (batch-norm scales around 1). */
  static double[] params(Random rnd, Model m) {
    double[] p = gaussian(rnd, m.numParams(), 0.6);
    for (ParamGroup g : m.layout().groups()) {
      if (g.role() == ParamGroup.Role.BN_SCALE) {
        for (int i = g.offset(); i < g.end(); i++) {
          p[i] = 1.0 + 0.3 * rnd.nextGaussian();
        }
      }
    }
    return p;
  }
}
