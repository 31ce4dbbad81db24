package io.streamtrain.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Avro binary bytes of records of one class (generated records, or generic ones of one schema), written through one
 * reused buffer and encoder (one instance per thread). An I/O error, which an in-memory buffer cannot raise, becomes
 * unchecked.
 */
public final class AvroBytes<T> {
  private final DatumWriter<T> writer;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(1024);
  private BinaryEncoder encoder;

  public AvroBytes(Class<T> type) {
    this(new SpecificDatumWriter<>(type));
  }

  /** Records written by {@code writer} (e.g. a GenericDatumWriter of one schema). */
  public AvroBytes(DatumWriter<T> writer) {
    this.writer = writer;
  }

  /** The record's Avro binary encoding (a fresh array). */
  public byte[] encode(T record) {
    buffer.reset();
    encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
    try {
      writer.write(record, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.toByteArray();
  }
}
