package io.streamtrain.export;

import io.streamtrain.export.proto.OnnxProto.TensorProto;

/**
 * The element type of an exported graph: its input, its initializers (parameters, statistics) and every
 * intermediate value. {@link #FLOAT64} keeps streamtrain's own arithmetic (the predictions agree to about 1e-15);
 * {@link #FLOAT32} halves the size and suits runtimes and accelerators built for float (agreement about 1e-7
 * relative to the prediction's magnitude).
 */
public enum Precision {
  FLOAT32("float32", TensorProto.DataType.FLOAT_VALUE, 4),
  FLOAT64("float64", TensorProto.DataType.DOUBLE_VALUE, 8);

  public final String cliName;
  /** ONNX's TensorProto.DataType number. */
  final int onnxType;
  final int bytes;

  Precision(String cliName, int onnxType, int bytes) {
    this.cliName = cliName;
    this.onnxType = onnxType;
    this.bytes = bytes;
  }

  /** The precision called {@code name} (float32 or float64), or null. */
  public static Precision of(String name) {
    for (Precision p : values()) {
      if (p.cliName.equals(name)) {
        return p;
      }
    }
    return null;
  }
}
