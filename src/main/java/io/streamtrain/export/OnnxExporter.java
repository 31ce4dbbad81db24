package io.streamtrain.export;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.model.Head;
import io.streamtrain.core.model.InputScaling;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ModelSpec;
import io.streamtrain.core.model.ParamGroup;
import io.streamtrain.core.model.ParamLayout;
import io.streamtrain.core.model.layer.BatchNorm;
import io.streamtrain.export.proto.OnnxProto.ModelProto;
import io.streamtrain.export.proto.OnnxProto.OperatorSetIdProto;
import io.streamtrain.export.proto.OnnxProto.StringStringEntryProto;
import java.util.Arrays;
import java.util.Map;

/**
 * A model version as a standard ONNX graph (IR version {@value #IR_VERSION}, default-domain opset {@value #OPSET},
 * which ONNX Runtime 1.20 and later run), computing what the core's evaluation-mode {@link Model#predict} computes:
 *
 * <ul>
 *   <li>input {@value #INPUT} {@code [batch, inputDim]}: the model's whole input vector, the dense block, then the
 *       sparse indices, then the 2^hash_bits hashed slots (docs/hashing.md says how named fields become slots);
 *       {@link #inputRow} fills it from a core {@link Batch} row;
 *   <li>input scaling (models with {@code scaling}): {@code Sub} of the means, {@code Mul} by 1/sqrt(var) from the
 *       snapshot's statistics, on the dense block only (the other columns subtract 0 and multiply by 1);
 *   <li>every dense layer a {@code Gemm} with {@code transB = 1} (the weights keep torch's [out, in] layout);
 *   <li>hidden layers: {@code BatchNormalization} in inference form with the running mean and variance, then the
 *       activation ({@code Relu}, {@code Tanh}, {@code Sigmoid}; nothing for identity); dropout is inactive in
 *       evaluation and absent. ONNX stores the epsilon as a float attribute, which cannot hold 1e-5 exactly, so
 *       the graph carries {@code running_var + 1e-5} (computed in double) with epsilon 0: the same denominator the
 *       core uses;
 *   <li>output, by head: {@value #VALUE} {@code [batch, 1]} (linear: the regression value), {@value #PROBABILITY}
 *       {@code [batch, 1]} (logistic: P(y = 1), {@code Sigmoid}), {@value #PROBABILITIES} {@code [batch, K]}
 *       (softmax: class probabilities, {@code Softmax} over axis 1).
 * </ul>
 *
 * Every tensor has the chosen {@link Precision}. Pure Java plus the ONNX protobuf classes: no Flink, no Kafka.
 */
public final class OnnxExporter {
  public static final long OPSET = 17;
  public static final long IR_VERSION = 8;
  public static final String INPUT = "features";
  public static final String VALUE = "value";
  public static final String PROBABILITY = "probability";
  public static final String PROBABILITIES = "probabilities";

  private OnnxExporter() {}

  /** The graph's output name for the model's head. */
  public static String outputName(ModelSpec spec) {
    switch (spec.head()) {
      case LOGISTIC:
        return PROBABILITY;
      case SOFTMAX:
        return PROBABILITIES;
      default:
        return VALUE;
    }
  }

  /** The serialized ONNX model (see {@link #model}). */
  public static byte[] export(ModelSpec spec, double[] params, double[] buffers, Precision precision,
      Map<String, String> metadata) {
    return model(spec, params, buffers, precision, metadata).toByteArray();
  }

  /**
   * The ONNX model of {@code spec} with parameters {@code params} and buffers {@code buffers} (a snapshot's, laid
   * out as {@link Model#layout()} and {@link Model#bufferLayout()}); {@code metadata} goes into the model's
   * metadata_props (e.g. model id and version). Throws IllegalArgumentException when the vectors are shorter
   * than the layouts, or a value is not finite in {@code precision}.
   */
  public static ModelProto model(ModelSpec spec, double[] params, double[] buffers, Precision precision,
      Map<String, String> metadata) {
    Model m = spec.newModel(1);
    ParamLayout layout = m.layout();
    ParamLayout bufferLayout = m.bufferLayout();
    if (params.length != layout.size()) {
      throw new IllegalArgumentException("the model needs " + layout.size() + " parameters (" + layout + "), got "
          + params.length);
    }
    if (buffers.length != bufferLayout.size()) {
      throw new IllegalArgumentException("the model needs " + bufferLayout.size() + " buffer values ("
          + bufferLayout + "), got " + buffers.length);
    }
    GraphBuilder g = new GraphBuilder("streamtrain_" + spec.type().specName, precision);
    int[] width = spec.layers();
    int in = width[0];
    g.input(INPUT, in, "the model's input vector: dense block, sparse indices, hashed slots (docs/hashing.md)");
    String x = INPUT;
    if (spec.scaling() != null) {
      x = scaling(g, spec, buffers, bufferLayout.group("input_scaling"), x);
    }
    boolean mlp = spec.type() == ModelSpec.ModelType.MLP;
    int last = width.length - 1;
    String out = outputName(spec);
    for (int k = 1; k <= last; k++) {
      String wName = mlp ? "W" + k : "weight";
      String bName = mlp ? "b" + k : "bias";
      ParamGroup wg = layout.group(wName);
      ParamGroup bg = layout.group(bName);
      check(wg, (long) width[k] * width[k - 1]);
      check(bg, width[k]);
      g.initializer(wName, params, wg.offset(), width[k], width[k - 1]);
      g.initializer(bName, params, bg.offset(), width[k]);
      String z = k < last ? "z" + k : (spec.head() == Head.LINEAR ? out : "logits");
      x = g.node("Gemm", z, new String[] {x, wName, bName}, GraphBuilder.intAttribute("transB", 1));
      if (k == last) {
        break;
      }
      if (spec.batchNorm()) {
        x = batchNorm(g, k, width[k], params, buffers, layout, bufferLayout, x);
      }
      String op = activationOp(spec);
      if (op != null) {
        x = g.node(op, "h" + k, new String[] {x});
      }
    }
    if (spec.head() == Head.LOGISTIC) {
      g.node("Sigmoid", out, new String[] {x});
    } else if (spec.head() == Head.SOFTMAX) {
      g.node("Softmax", out, new String[] {x}, GraphBuilder.intAttribute("axis", 1));
    }
    String outDoc = switch (spec.head()) {
      case LOGISTIC -> "P(y = 1) per row";
      case SOFTMAX -> "class probabilities per row, class k in column k";
      default -> "the predicted value per row";
    };
    g.output(out, width[last], outDoc);
    g.doc("streamtrain " + spec.type().specName + " model: " + INPUT + " [batch, " + in + "] -> " + out
        + " [batch, " + width[last] + "]");
    ModelProto.Builder mp = ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setProducerName("streamtrain")
        .setGraph(g.build());
    String version = OnnxExporter.class.getPackage().getImplementationVersion();
    if (version != null) {
      mp.setProducerVersion(version);
    }
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(metadata).entrySet()) {
      mp.addMetadataProps(StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
    }
    return mp.build();
  }

  /** (x - mean) * (1 / sqrt(var)) on the dense block, as {@link InputScaling#apply}. */
  private static String scaling(GraphBuilder g, ModelSpec spec, double[] buffers, ParamGroup sg, String x) {
    int in = spec.inputDim();
    int d = spec.features().denseDim();
    check(sg, InputScaling.size(d));
    double[] mean = new double[in];
    double[] inv = new double[in];
    Arrays.fill(inv, 1.0);
    for (int j = 0; j < d; j++) {
      mean[j] = InputScaling.mean(buffers, sg.offset(), d, j);
      inv[j] = InputScaling.inverseDeviation(buffers, sg.offset(), d, j);
    }
    g.initializer("scaling_mean", mean, 0, in);
    g.initializer("scaling_inverse_deviation", inv, 0, in);
    String centered = g.node("Sub", "scaling_centered", new String[] {x, "scaling_mean"});
    return g.node("Mul", "scaled_features", new String[] {centered, "scaling_inverse_deviation"});
  }

  private static String batchNorm(GraphBuilder g, int k, int w, double[] params, double[] buffers,
      ParamLayout layout, ParamLayout bufferLayout, String x) {
    ParamGroup gamma = layout.group("gamma" + k);
    ParamGroup beta = layout.group("beta" + k);
    ParamGroup mean = bufferLayout.group("running_mean" + k);
    ParamGroup var = bufferLayout.group("running_var" + k);
    for (ParamGroup pg : new ParamGroup[] {gamma, beta, mean, var}) {
      check(pg, w);
    }
    double[] varEps = new double[w];
    for (int o = 0; o < w; o++) {
      varEps[o] = buffers[var.offset() + o] + BatchNorm.EPS;
    }
    g.initializer("gamma" + k, params, gamma.offset(), w);
    g.initializer("beta" + k, params, beta.offset(), w);
    g.initializer("running_mean" + k, buffers, mean.offset(), w);
    g.initializer("running_var_plus_eps" + k, varEps, 0, w);
    return g.node("BatchNormalization", "bn" + k,
        new String[] {x, "gamma" + k, "beta" + k, "running_mean" + k, "running_var_plus_eps" + k},
        GraphBuilder.floatAttribute("epsilon", 0f));
  }

  private static String activationOp(ModelSpec spec) {
    switch (spec.activation()) {
      case RELU:
        return "Relu";
      case TANH:
        return "Tanh";
      case SIGMOID:
        return "Sigmoid";
      default:
        return null;
    }
  }

  private static void check(ParamGroup g, long size) {
    if (g == null || g.size() != size) {
      throw new IllegalStateException("unexpected parameter layout: " + g + ", expected " + size + " values");
    }
  }

  /**
   * Writes row {@code row} of {@code batch} as the graph's {@value #INPUT} row into {@code out} (length
   * inputDim): the dense block, then the sparse and hashed columns (zero where the row has none; named fields
   * already hashed and signed, collisions added, as the batch holds them).
   */
  public static void inputRow(Batch batch, int row, double[] out) {
    int in = batch.space().inputDim();
    int d = batch.denseDim();
    Arrays.fill(out, 0, in, 0.0);
    System.arraycopy(batch.dense(), row * d, out, 0, d);
    int[] ptr = batch.rowPtr();
    for (int p = ptr[row]; p < ptr[row + 1]; p++) {
      out[batch.colIdx()[p]] += batch.colVal()[p];
    }
  }
}
