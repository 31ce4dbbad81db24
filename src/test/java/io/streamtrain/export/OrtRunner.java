package io.streamtrain.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.List;
import java.util.Map;

/** Loads an exported model in ONNX Runtime (Java) and runs it on rows, in the graph's precision. */
public final class OrtRunner implements AutoCloseable {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;

  public OrtRunner(byte[] model) throws OrtException {
    this.session = env.createSession(model, new OrtSession.SessionOptions());
  }

  public List<String> inputNames() {
    return List.copyOf(session.getInputNames());
  }

  public List<String> outputNames() {
    return List.copyOf(session.getOutputNames());
  }

  /** The model's metadata_props. */
  public Map<String, String> metadata() throws OrtException {
    return session.getMetadata().getCustomMetadata();
  }

  /** Runs a float64 graph. */
  public double[][] run(double[][] x) throws OrtException {
    try (OnnxTensor t = OnnxTensor.createTensor(env, x);
        OrtSession.Result r = session.run(Map.of(OnnxExporter.INPUT, t))) {
      return (double[][]) r.get(0).getValue();
    }
  }

  /** Runs a float32 graph on the rows rounded to float; returns its outputs widened to double. */
  public double[][] runFloat(double[][] x) throws OrtException {
    float[][] f = new float[x.length][];
    for (int i = 0; i < x.length; i++) {
      f[i] = new float[x[i].length];
      for (int j = 0; j < x[i].length; j++) {
        f[i][j] = (float) x[i][j];
      }
    }
    try (OnnxTensor t = OnnxTensor.createTensor(env, f);
        OrtSession.Result r = session.run(Map.of(OnnxExporter.INPUT, t))) {
      float[][] y = (float[][]) r.get(0).getValue();
      double[][] out = new double[y.length][];
      for (int i = 0; i < y.length; i++) {
        out[i] = new double[y[i].length];
        for (int j = 0; j < y[i].length; j++) {
          out[i][j] = y[i][j];
        }
      }
      return out;
    }
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
