package io.streamtrain.io;

import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.MurmurHash3;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Function;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Hand-written Avro binary encoder and decoder for {@code Sample} (schemas/Sample.avsc, field order model_id,
 * event_time, key, dense, sparse_indices, sparse_values, categorical, numeric, label, weight) working on a
 * {@link MutableSample}: no generated objects, no boxing, and the encoder, decoder and output buffer are reused
 * across records; decoding a stream with a repeated model id allocates nothing per record. The bytes are exactly
 * what Avro's SpecificDatumWriter writes and reads (a test proves it both ways). The
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
  private String lastModelId = "";
  private byte[] lastModelIdBytes = new byte[0];

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
   * Decodes one Sample from {@code bytes[offset, offset+length)} into {@code into} (cleared first). Reads the Avro
   * binary encoding directly (zig-zag varints, little-endian doubles, blocked arrays; Avro 1.12 specification,
   * "Binary Encoding") rather than through Avro's BinaryDecoder, which allocates a byte source per record. Throws
   * EOFException for truncated input and IllegalArgumentException for invalid content or trailing bytes.
   */
  public MutableSample decode(byte[] bytes, int offset, int length, MutableSample into) throws IOException {
    return decode(bytes, offset, length, into, null);
  }

  /**
   * Like {@link #decode(byte[], int, int, MutableSample)}, and when {@code hashSpaces} (may be null) gives the
   * model id a feature space with a hashed part, the named fields go straight from their UTF-8 bytes to hashed
   * slots and signed values ({@link MutableSample#hashedSlots}; the same slots and signs as
   * {@link io.streamtrain.core.data.Example#hashNamedFields}, in the same order) without a String per field. A
   * field whose bytes are not all ASCII (noted while hashing) is hashed again from its decoded string (invalid
   * UTF-8 decodes to U+FFFD, so only the string hashes as before). {@code hashSpaces} is asked once per record,
   * with the model id String (the same instance while the id repeats).
   */
  public MutableSample decode(byte[] bytes, int offset, int length, MutableSample into,
      Function<String, FeatureSpace> hashSpaces) throws IOException {
    buf = bytes;
    pos = offset;
    limit = offset + length;
    try {
      into.clear();
      into.modelId = modelId();
      FeatureSpace space = hashSpaces == null ? null : hashSpaces.apply(into.modelId);
      if (space != null && space.hashBits() == 0) {
        space = null;
      }
      if (space != null) {
        into.hashedBits = space.hashBits();
      }
      into.eventTime = readLong();
      int keyBranch = readInt();
      if (keyBranch == 1) {
        into.key = readString();
      } else if (keyBranch != 0) {
        throw new IllegalArgumentException("key: bad union branch " + keyBranch);
      }
      for (long n = blockCount(); n != 0; n = blockCount()) {
        for (long i = 0; i < n; i++) {
          into.addDense(readDouble());
        }
      }
      int idx = 0;
      for (long n = blockCount(); n != 0; n = blockCount()) {
        for (long i = 0; i < n; i++) {
          into.addSparse(readInt(), 0.0);
          idx++;
        }
      }
      int v = 0;
      for (long n = blockCount(); n != 0; n = blockCount()) {
        for (long i = 0; i < n; i++) {
          if (v >= idx) {
            throw new IllegalArgumentException("sparse_values is longer than sparse_indices");
          }
          into.sparseValues[v++] = readDouble();
        }
      }
      if (v != idx) {
        throw new IllegalArgumentException("sparse_indices has " + idx + " entries but sparse_values has " + v);
      }
      if (space == null) {
        for (long n = blockCount(); n != 0; n = blockCount()) {
          for (long i = 0; i < n; i++) {
            into.addCategorical(readString(), readString());
          }
        }
        for (long n = blockCount(); n != 0; n = blockCount()) {
          for (long i = 0; i < n; i++) {
            into.addNumeric(readString(), readDouble());
          }
        }
      } else {
        hashNamedFields(into, space);
      }
      int lb = readInt();
      switch (lb) {
        case LABEL_NULL -> {}
        case LABEL_DOUBLE -> into.setRealLabel(readDouble());
        case LABEL_BOOLEAN -> into.setBinaryLabel(readBoolean());
        case LABEL_INT -> into.setClassLabel(readInt());
        default -> throw new IllegalArgumentException("label: bad union branch " + lb);
      }
      int wb = readInt();
      if (wb == 1) {
        into.setWeight(readDouble());
      } else if (wb != 0) {
        throw new IllegalArgumentException("weight: bad union branch " + wb);
      }
      if (pos != limit) {
        throw new IllegalArgumentException("trailing bytes after the Sample record");
      }
      return into;
    } finally {
      buf = null; // do not keep the caller's record alive
    }
  }

  public MutableSample decode(byte[] bytes, MutableSample into) throws IOException {
    return decode(bytes, 0, bytes.length, into);
  }

  private byte[] buf;
  private int pos;
  private int limit;

  private long readLong() throws IOException {
    long raw = 0;
    int shift = 0;
    while (true) {
      if (pos >= limit) {
        throw new EOFException("truncated Sample record");
      }
      int b = buf[pos++] & 0xff;
      raw |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        break;
      }
      shift += 7;
      if (shift > 63) {
        throw new IllegalArgumentException("invalid varint in Sample record");
      }
    }
    return (raw >>> 1) ^ -(raw & 1); // zig-zag
  }

  private int readInt() throws IOException {
    long v = readLong();
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("int out of range in Sample record: " + v);
    }
    return (int) v;
  }

  private static final java.lang.invoke.VarHandle LE_DOUBLE =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(double[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  private double readDouble() throws IOException {
    if (limit - pos < 8) {
      pos = limit;
      throw new EOFException("truncated Sample record");
    }
    // One little-endian 8-byte load (Avro's double encoding) instead of eight byte loads and shifts: the dense
    // block dominated the source thread's profile in the end-to-end benchmark.
    double v = (double) LE_DOUBLE.get(buf, pos);
    pos += 8;
    return v;
  }

  private boolean readBoolean() throws IOException {
    if (pos >= limit) {
      throw new EOFException("truncated Sample record");
    }
    int b = buf[pos++];
    if (b != 0 && b != 1) {
      throw new IllegalArgumentException("invalid boolean byte " + b);
    }
    return b == 1;
  }

  /** Items in the next array block; a negative count is followed by the block's byte size, skipped here. */
  private long blockCount() throws IOException {
    long n = readLong();
    if (n < 0) {
      readLong();
      n = -n;
    }
    if (n > limit - pos) {
      // Every item takes at least one byte: a larger count is corrupt; refuse it before growing arrays for it.
      throw new IllegalArgumentException("array block of " + n + " items exceeds the record");
    }
    return n;
  }

  private int stringLength() throws IOException {
    long n = readLong();
    if (n < 0) {
      throw new IllegalArgumentException("negative string length");
    }
    if (n > limit - pos) {
      throw new EOFException("truncated Sample record");
    }
    return (int) n;
  }

  private String readString() throws IOException {
    int n = stringLength();
    String s = new String(buf, pos, n, StandardCharsets.UTF_8);
    pos += n;
    return s;
  }

  private MurmurHash3.Utf8Hasher hasher;

  /** The categorical and numeric arrays of the record, hashed into {@code into}'s hashed fields. */
  private void hashNamedFields(MutableSample into, FeatureSpace space) throws IOException {
    if (hasher == null) {
      hasher = new MurmurHash3.Utf8Hasher();
    }
    for (long n = blockCount(); n != 0; n = blockCount()) {
      for (long i = 0; i < n; i++) {
        int nameLen = stringLength();
        int nameOff = pos;
        pos += nameLen;
        int valueLen = stringLength();
        int valueOff = pos;
        pos += valueLen;
        long h = hasher.hash(buf, nameOff, nameLen, buf, valueOff, valueLen, FeatureSpace.INDEX_SEED,
            FeatureSpace.SIGN_SEED);
        if (hasher.lastHadNonAscii()) {
          h = hasher.hash(utf8(nameOff, nameLen), utf8(valueOff, valueLen), FeatureSpace.INDEX_SEED,
              FeatureSpace.SIGN_SEED);
        }
        into.addHashed(space.slot(h), FeatureSpace.sign(h));
      }
    }
    for (long n = blockCount(); n != 0; n = blockCount()) {
      for (long i = 0; i < n; i++) {
        int nameLen = stringLength();
        int nameOff = pos;
        pos += nameLen;
        double v = readDouble();
        long h = hasher.hash(buf, nameOff, nameLen, null, 0, -1, FeatureSpace.INDEX_SEED, FeatureSpace.SIGN_SEED);
        if (hasher.lastHadNonAscii()) {
          h = hasher.hash(utf8(nameOff, nameLen), null, FeatureSpace.INDEX_SEED, FeatureSpace.SIGN_SEED);
        }
        into.addHashed(space.slot(h), FeatureSpace.sign(h) * v);
      }
    }
  }

  private String utf8(int off, int len) {
    return new String(buf, off, len, StandardCharsets.UTF_8);
  }

  /** The model id repeats from record to record: reuse the previous String when its bytes match. */
  private String modelId() throws IOException {
    int n = stringLength();
    if (n != lastModelIdBytes.length || !Arrays.equals(buf, pos, pos + n, lastModelIdBytes, 0, n)) {
      lastModelIdBytes = Arrays.copyOfRange(buf, pos, pos + n);
      lastModelId = new String(lastModelIdBytes, StandardCharsets.UTF_8);
    }
    pos += n;
    return lastModelId;
  }
}
