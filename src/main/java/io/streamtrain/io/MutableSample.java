package io.streamtrain.io;

import io.streamtrain.avro.CategoricalField;
import io.streamtrain.avro.NumericField;
import io.streamtrain.avro.Sample;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A reusable, mutable sample with primitive arrays: readers and generators fill one instance per row and the
 * encoder writes it straight to Avro binary, so producing a million rows allocates no per-row feature arrays or
 * boxed doubles. Its fields mirror the Avro {@code Sample} schema (see schemas/Sample.avsc); {@link #toAvro()}
 * and {@link #fromAvro} convert for tests and tools where speed does not matter.
 */
public final class MutableSample {
  /** Which branch of the label union is set. */
  public enum LabelKind {
    NONE,
    REAL,
    BINARY,
    CLASS
  }

  public String modelId = "default";
  public long eventTime;
  public String key;

  public double[] dense = new double[16];
  public int denseSize;

  public int[] sparseIndices = new int[16];
  public double[] sparseValues = new double[16];
  public int sparseSize;

  public String[] categoricalNames = new String[4];
  public String[] categoricalValues = new String[4];
  public int categoricalSize;

  public String[] numericNames = new String[4];
  public double[] numericValues = new double[4];
  public int numericSize;

  /**
   * Named fields hashed while decoding ({@link SampleCodec#decode(byte[], int, int, MutableSample,
   * java.util.function.Function)}): slot in [0, 2^hashedBits) and signed value, categorical fields first, then
   * numeric ones, as {@link io.streamtrain.core.data.Example#hashNamedFields} orders them. Decoder output only:
   * never encoded (a Sample on the wire carries names).
   */
  public int[] hashedSlots = new int[16];
  public double[] hashedValues = new double[16];
  public int hashedSize;
  public int hashedBits;

  public LabelKind labelKind = LabelKind.NONE;
  /** REAL: the value; BINARY: 1 for true, 0 for false; CLASS: the class index. */
  public double label;

  public boolean hasWeight;
  public double weight = 1.0;

  /** Resets features, label, weight and key; keeps model id and the allocated arrays. */
  public void clear() {
    key = null;
    denseSize = 0;
    sparseSize = 0;
    categoricalSize = 0;
    numericSize = 0;
    hashedSize = 0;
    hashedBits = 0;
    labelKind = LabelKind.NONE;
    label = 0;
    hasWeight = false;
    weight = 1.0;
  }

  public void addDense(double v) {
    if (denseSize == dense.length) {
      dense = Arrays.copyOf(dense, dense.length * 2);
    }
    dense[denseSize++] = v;
  }

  public void addSparse(int index, double value) {
    if (sparseSize == sparseIndices.length) {
      sparseIndices = Arrays.copyOf(sparseIndices, sparseIndices.length * 2);
      sparseValues = Arrays.copyOf(sparseValues, sparseValues.length * 2);
    }
    sparseIndices[sparseSize] = index;
    sparseValues[sparseSize++] = value;
  }

  public void addCategorical(String name, String value) {
    if (categoricalSize == categoricalNames.length) {
      categoricalNames = Arrays.copyOf(categoricalNames, categoricalNames.length * 2);
      categoricalValues = Arrays.copyOf(categoricalValues, categoricalValues.length * 2);
    }
    categoricalNames[categoricalSize] = name;
    categoricalValues[categoricalSize++] = value;
  }

  public void addNumeric(String name, double value) {
    if (numericSize == numericNames.length) {
      numericNames = Arrays.copyOf(numericNames, numericNames.length * 2);
      numericValues = Arrays.copyOf(numericValues, numericValues.length * 2);
    }
    numericNames[numericSize] = name;
    numericValues[numericSize++] = value;
  }

  /** Appends a hashed named field (see {@link #hashedSlots}). */
  public void addHashed(int slot, double value) {
    if (hashedSize == hashedSlots.length) {
      hashedSlots = Arrays.copyOf(hashedSlots, hashedSlots.length * 2);
      hashedValues = Arrays.copyOf(hashedValues, hashedValues.length * 2);
    }
    hashedSlots[hashedSize] = slot;
    hashedValues[hashedSize++] = value;
  }

  public void setRealLabel(double v) {
    labelKind = LabelKind.REAL;
    label = v;
  }

  public void setBinaryLabel(boolean positive) {
    labelKind = LabelKind.BINARY;
    label = positive ? 1 : 0;
  }

  public void setClassLabel(int index) {
    labelKind = LabelKind.CLASS;
    label = index;
  }

  public void setWeight(double w) {
    hasWeight = true;
    weight = w;
  }

  /** The label as the Avro union value: null, Double, Boolean or Integer. */
  public Object labelValue() {
    return switch (labelKind) {
      case NONE -> null;
      case REAL -> label;
      case BINARY -> label != 0;
      case CLASS -> (int) label;
    };
  }

  /** A generated Avro object with the same content (allocates; for tests and tools). */
  public Sample toAvro() {
    List<Double> d = new ArrayList<>(denseSize);
    for (int i = 0; i < denseSize; i++) {
      d.add(dense[i]);
    }
    List<Integer> si = new ArrayList<>(sparseSize);
    List<Double> sv = new ArrayList<>(sparseSize);
    for (int i = 0; i < sparseSize; i++) {
      si.add(sparseIndices[i]);
      sv.add(sparseValues[i]);
    }
    List<CategoricalField> c = new ArrayList<>(categoricalSize);
    for (int i = 0; i < categoricalSize; i++) {
      c.add(new CategoricalField(categoricalNames[i], categoricalValues[i]));
    }
    List<NumericField> n = new ArrayList<>(numericSize);
    for (int i = 0; i < numericSize; i++) {
      n.add(new NumericField(numericNames[i], numericValues[i]));
    }
    return Sample.newBuilder()
        .setModelId(modelId)
        .setEventTime(Instant.ofEpochMilli(eventTime))
        .setKey(key)
        .setDense(d)
        .setSparseIndices(si)
        .setSparseValues(sv)
        .setCategorical(c)
        .setNumeric(n)
        .setLabel(labelValue())
        .setWeight(hasWeight ? weight : null)
        .build();
  }

  /** Fills {@code into} (cleared first) from a generated Avro object; returns it. */
  public static MutableSample fromAvro(Sample s, MutableSample into) {
    into.clear();
    into.modelId = s.getModelId();
    into.eventTime = s.getEventTime().toEpochMilli();
    into.key = s.getKey();
    for (double v : s.getDense()) {
      into.addDense(v);
    }
    for (int i = 0; i < s.getSparseIndices().size(); i++) {
      into.addSparse(s.getSparseIndices().get(i), s.getSparseValues().get(i));
    }
    for (CategoricalField f : s.getCategorical()) {
      into.addCategorical(f.getName(), f.getValue());
    }
    for (NumericField f : s.getNumeric()) {
      into.addNumeric(f.getName(), f.getValue());
    }
    Object l = s.getLabel();
    if (l instanceof Double d) {
      into.setRealLabel(d);
    } else if (l instanceof Boolean b) {
      into.setBinaryLabel(b);
    } else if (l instanceof Integer i) {
      into.setClassLabel(i);
    }
    if (s.getWeight() != null) {
      into.setWeight(s.getWeight());
    }
    return into;
  }
}
