package io.streamtrain.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

/**
 * Hand-written Avro binary encoder and decoder for {@code Sample} (schemas/Sample.avsc, field order model_id,
 * event_time, key, dense, sparse_indices, sparse_values, categorical, numeric, label, weight) working on a
 * {@link MutableSample}: no generated objects, no boxing, and the encoder, decoder and output buffer are reused
 * across records. The bytes are exactly what Avro's SpecificDatumWriter writes (a test proves it both ways). The
 * decoder assumes the writer used the current Sample schema; records of another version must go through Avro's
 * schema resolution instead. Not thread-safe: one codec per thread.
 */
public final class SampleCodec {
  // Union branch indexes in the schema.
  private static final int LABEL_NULL = 0;
  private static final int LABEL_DOUBLE = 1;
  private static final int LABEL_BOOLEAN = 2;
  private static final int LABEL_INT = 3;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
  private BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
  private BinaryDecoder decoder;
  // The model id of the previous record: a stream carries few distinct ids, so decoding into a reused Utf8 and
  // handing back the previous String when the bytes match spares a String per record, and downstream hashing
  // (validation lookup, keyBy) reuses the String's cached hash.
  private final org.apache.avro.util.Utf8 idScratch = new org.apache.avro.util.Utf8();
  private byte[] lastIdBytes = new byte[0];
  private int lastIdLength = -1;
  private String lastId = "";

  /** Encodes {@code s}; returns a new array holding exactly the record's bytes. */
  public byte[] encode(MutableSample s) {
    out.reset();
    try {
      BinaryEncoder e = encoder;
      e.writeString(s.modelId);
      e.writeLong(s.eventTime);
      if (s.key == null) {
        e.writeIndex(0);
        e.writeNull();
      } else {
        e.writeIndex(1);
        e.writeString(s.key);
      }
      e.writeArrayStart();
      e.setItemCount(s.denseSize);
      for (int i = 0; i < s.denseSize; i++) {
        e.startItem();
        e.writeDouble(s.dense[i]);
      }
      e.writeArrayEnd();
      e.writeArrayStart();
      e.setItemCount(s.sparseSize);
      for (int i = 0; i < s.sparseSize; i++) {
        e.startItem();
        e.writeInt(s.sparseIndices[i]);
      }
      e.writeArrayEnd();
      e.writeArrayStart();
      e.setItemCount(s.sparseSize);
      for (int i = 0; i < s.sparseSize; i++) {
        e.startItem();
        e.writeDouble(s.sparseValues[i]);
      }
      e.writeArrayEnd();
      e.writeArrayStart();
      e.setItemCount(s.categoricalSize);
      for (int i = 0; i < s.categoricalSize; i++) {
        e.startItem();
        e.writeString(s.categoricalNames[i]);
        e.writeString(s.categoricalValues[i]);
      }
      e.writeArrayEnd();
      e.writeArrayStart();
      e.setItemCount(s.numericSize);
      for (int i = 0; i < s.numericSize; i++) {
        e.startItem();
        e.writeString(s.numericNames[i]);
        e.writeDouble(s.numericValues[i]);
      }
      e.writeArrayEnd();
      switch (s.labelKind) {
        case NONE -> {
          e.writeIndex(LABEL_NULL);
          e.writeNull();
        }
        case REAL -> {
          e.writeIndex(LABEL_DOUBLE);
          e.writeDouble(s.label);
        }
        case BINARY -> {
          e.writeIndex(LABEL_BOOLEAN);
          e.writeBoolean(s.label != 0);
        }
        case CLASS -> {
          e.writeIndex(LABEL_INT);
          e.writeInt((int) s.label);
        }
      }
      if (s.hasWeight) {
        e.writeIndex(1);
        e.writeDouble(s.weight);
      } else {
        e.writeIndex(0);
        e.writeNull();
      }
      e.flush();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex); // a ByteArrayOutputStream does not fail
    }
    return out.toByteArray();
  }

  /**
   * Decodes one Sample from {@code bytes[offset, offset+length)} into {@code into} (cleared first). Throws
   * IOException for truncated input and IllegalArgumentException for invalid content or trailing bytes.
   */
  public MutableSample decode(byte[] bytes, int offset, int length, MutableSample into) throws IOException {
    BinaryDecoder d = DecoderFactory.get().binaryDecoder(bytes, offset, length, decoder);
    decoder = d;
    into.clear();
    into.modelId = readModelId(d);
    into.eventTime = d.readLong();
    int keyBranch = d.readIndex();
    if (keyBranch == 1) {
      into.key = d.readString();
    } else if (keyBranch == 0) {
      d.readNull();
    } else {
      throw new IllegalArgumentException("key: bad union branch " + keyBranch);
    }
    for (long n = d.readArrayStart(); n != 0; n = d.arrayNext()) {
      for (long i = 0; i < n; i++) {
        into.addDense(d.readDouble());
      }
    }
    int idx = 0;
    for (long n = d.readArrayStart(); n != 0; n = d.arrayNext()) {
      for (long i = 0; i < n; i++) {
        into.addSparse(d.readInt(), 0.0);
        idx++;
      }
    }
    int v = 0;
    for (long n = d.readArrayStart(); n != 0; n = d.arrayNext()) {
      for (long i = 0; i < n; i++) {
        if (v >= idx) {
          throw new IllegalArgumentException("sparse_values is longer than sparse_indices");
        }
        into.sparseValues[v++] = d.readDouble();
      }
    }
    if (v != idx) {
      throw new IllegalArgumentException(
          "sparse_indices has " + idx + " entries but sparse_values has " + v);
    }
    for (long n = d.readArrayStart(); n != 0; n = d.arrayNext()) {
      for (long i = 0; i < n; i++) {
        into.addCategorical(d.readString(), d.readString());
      }
    }
    for (long n = d.readArrayStart(); n != 0; n = d.arrayNext()) {
      for (long i = 0; i < n; i++) {
        into.addNumeric(d.readString(), d.readDouble());
      }
    }
    int lb = d.readIndex();
    switch (lb) {
      case LABEL_NULL -> d.readNull();
      case LABEL_DOUBLE -> into.setRealLabel(d.readDouble());
      case LABEL_BOOLEAN -> into.setBinaryLabel(d.readBoolean());
      case LABEL_INT -> into.setClassLabel(d.readInt());
      default -> throw new IllegalArgumentException("label: bad union branch " + lb);
    }
    int wb = d.readIndex();
    if (wb == 1) {
      into.setWeight(d.readDouble());
    } else if (wb == 0) {
      d.readNull();
    } else {
      throw new IllegalArgumentException("weight: bad union branch " + wb);
    }
    if (!d.isEnd()) {
      throw new IllegalArgumentException("trailing bytes after the Sample record");
    }
    return into;
  }

  private String readModelId(BinaryDecoder d) throws IOException {
    org.apache.avro.util.Utf8 u = d.readString(idScratch);
    int n = u.getByteLength();
    byte[] b = u.getBytes();
    if (n == lastIdLength && java.util.Arrays.equals(b, 0, n, lastIdBytes, 0, n)) {
      return lastId;
    }
    if (lastIdBytes.length < n) {
      lastIdBytes = new byte[Math.max(n, 2 * lastIdBytes.length)];
    }
    System.arraycopy(b, 0, lastIdBytes, 0, n);
    lastIdLength = n;
    lastId = new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    return lastId;
  }

  public MutableSample decode(byte[] bytes, MutableSample into) throws IOException {
    return decode(bytes, 0, bytes.length, into);
  }
}
