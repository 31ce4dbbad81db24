package io.streamtrain.export;

import com.google.protobuf.ByteString;
import io.streamtrain.export.proto.OnnxProto.AttributeProto;
import io.streamtrain.export.proto.OnnxProto.GraphProto;
import io.streamtrain.export.proto.OnnxProto.NodeProto;
import io.streamtrain.export.proto.OnnxProto.TensorProto;
import io.streamtrain.export.proto.OnnxProto.TensorShapeProto;
import io.streamtrain.export.proto.OnnxProto.TypeProto;
import io.streamtrain.export.proto.OnnxProto.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Builds one ONNX graph of a single element type: initializers from slices of streamtrain's flat parameter and
 * buffer vectors (stored as raw little-endian bytes, as ONNX's TensorProto.raw_data specifies), nodes of the
 * default operator domain, and the graph's inputs and outputs with a symbolic batch dimension. Not thread-safe.
 */
final class GraphBuilder {
  /** The symbolic name of every input's and output's first dimension. */
  static final String BATCH = "batch";

  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private final Precision precision;

  GraphBuilder(String name, Precision precision) {
    this.precision = precision;
    graph.setName(name);
  }

  /**
   * A constant tensor {@code name} of shape {@code dims} holding {@code values[off, off + product(dims))},
   * rounded to float for {@link Precision#FLOAT32}. Throws when a value is not finite in that precision.
   */
  String initializer(String name, double[] values, int off, long... dims) {
    long count = 1;
    for (long d : dims) {
      count *= d;
    }
    int n = Math.toIntExact(count);
    ByteBuffer buf = ByteBuffer.allocate(Math.multiplyExact(n, precision.bytes)).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      double v = values[off + i];
      if (precision == Precision.FLOAT32) {
        float f = (float) v;
        if (!Float.isFinite(f)) {
          throw new IllegalArgumentException(name + "[" + i + "] = " + v + " is not a finite float32 value; "
              + "export with float64");
        }
        buf.putFloat(f);
      } else {
        if (!Double.isFinite(v)) {
          throw new IllegalArgumentException(name + "[" + i + "] = " + v + " is not finite");
        }
        buf.putDouble(v);
      }
    }
    buf.flip();
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(precision.onnxType)
        .setRawData(ByteString.copyFrom(buf));
    for (long d : dims) {
      t.addDims(d);
    }
    graph.addInitializer(t);
    return name;
  }

  /** A node {@code op(inputs) -> output} of the default domain; returns the output's name. */
  String node(String op, String output, String[] inputs, AttributeProto... attributes) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(output + "_" + op).addOutput(output);
    for (String in : inputs) {
      n.addInput(in);
    }
    for (AttributeProto a : attributes) {
      n.addAttribute(a);
    }
    graph.addNode(n);
    return output;
  }

  static AttributeProto intAttribute(String name, long value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
  }

  static AttributeProto floatAttribute(String name, float value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value)
        .build();
  }

  /** A graph input of shape [batch, columns]. */
  void input(String name, long columns, String doc) {
    graph.addInput(valueInfo(name, columns, doc));
  }

  /** A graph output of shape [batch, columns]. */
  void output(String name, long columns, String doc) {
    graph.addOutput(valueInfo(name, columns, doc));
  }

  private ValueInfoProto valueInfo(String name, long columns, String doc) {
    TensorShapeProto shape = TensorShapeProto.newBuilder()
        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH))
        .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(columns))
        .build();
    TypeProto type = TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(precision.onnxType).setShape(shape)).build();
    return ValueInfoProto.newBuilder().setName(name).setType(type).setDocString(doc).build();
  }

  void doc(String doc) {
    graph.setDocString(doc);
  }

  GraphProto build() {
    return graph.build();
  }
}
