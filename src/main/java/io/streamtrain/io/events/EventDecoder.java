package io.streamtrain.io.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Decodes a record value of the user's events topic into what {@link EventMapping#map} reads: a Jackson tree for
 * JSON, an Avro generic record for Avro (with the writer schema given, or named by the schema-registry wire
 * format's id), or, given the paths to read, the values at those paths only. One instance per thread (readers and
 * decoders are reused).
 */
public interface EventDecoder {
  /** The event in {@code value}; IOException (or a runtime exception) when the bytes are not one. */
  Object decode(byte[] value) throws IOException;

  /** The decoder of an {@link InputSpec}'s format (JSON as a whole Jackson tree). */
  static EventDecoder of(InputSpec in) {
    return of(in, null);
  }

  /**
   * The decoder of an {@link InputSpec}'s format that only has to answer for {@code reads} (null: any path): it
   * then reads each event once and keeps just those fields' values, skipping the rest ({@link JsonEventReader},
   * {@link AvroEventReader}, one per writer schema).
   */
  static EventDecoder of(InputSpec in, Collection<EventMapping.Field> reads) {
    return of(in, reads, List.of());
  }

  /**
   * Like {@link #of(InputSpec, Collection)}, and the strings at the paths of {@code hashed} (categorical fields
   * without a transform, {@link EventMapping#hashable}) are hashed as they are read where the reader may
   * ({@link JsonEventReader#hashPrefixes}); with {@code reads} null, {@code hashed} is ignored.
   */
  static EventDecoder of(InputSpec in, Collection<EventMapping.Field> reads, Collection<EventMapping.Field> hashed) {
    return switch (in.format()) {
      case "json" -> reads == null ? new Json() : new JsonEventReader(reads, hashed);
      case "avro" -> {
        Schema writer = new Schema.Parser().parse(in.schemaJson());
        yield reads == null ? new Avro(writer, "") : new AvroEventReader(writer, reads, hashed, "");
      }
      case "avro_registry" -> new RegistryAvro(new SchemaRegistryClient(in.registryUrl(), in.registryUser(),
          in.registryPassword()), reads, hashed);
      default -> throw new IllegalArgumentException("no event decoder for format " + in.format());
    };
  }

  /** One JSON object a record. */
  final class Json implements EventDecoder {
    private final ObjectReader reader = new ObjectMapper().reader();

    @Override
    public Object decode(byte[] value) throws IOException {
      return reader.readTree(value);
    }
  }

  /** The body of an Avro event (its bytes {@code value[off, off+len)}), decoded. */
  interface AvroBody {
    Object decode(byte[] value, int off, int len) throws IOException;
  }

  /** Avro binary of one writer schema, no framing, decoded into a whole GenericRecord. */
  final class Avro implements EventDecoder, AvroBody {
    private final GenericDatumReader<GenericRecord> reader;
    private final String where;
    private BinaryDecoder decoder;

    Avro(Schema writer, String where) {
      this.reader = new GenericDatumReader<>(writer);
      this.where = where;
    }

    @Override
    public Object decode(byte[] value) throws IOException {
      return decode(value, 0, value.length);
    }

    @Override
    public Object decode(byte[] value, int off, int len) throws IOException {
      decoder = DecoderFactory.get().binaryDecoder(value, off, len, decoder);
      GenericRecord r = reader.read(null, decoder);
      if (!decoder.isEnd()) {
        throw new IOException("trailing bytes after the Avro record" + where);
      }
      return r;
    }
  }

  /**
   * The schema-registry wire format (Confluent's and Apicurio's serializers): byte 0 the magic 0, bytes 1-4 the
   * writer schema's id (big-endian), then the Avro binary body. Schemas are fetched by id once and cached, each
   * with its reader: a whole GenericRecord, or with the paths to read an {@link AvroEventReader}.
   */
  final class RegistryAvro implements EventDecoder {
    private final SchemaRegistryClient registry;
    private final Collection<EventMapping.Field> reads;
    private final Collection<EventMapping.Field> hashed;
    private final Map<Integer, AvroBody> readers = new HashMap<>();

    RegistryAvro(SchemaRegistryClient registry, Collection<EventMapping.Field> reads,
        Collection<EventMapping.Field> hashed) {
      this.registry = registry;
      this.reads = reads;
      this.hashed = hashed;
    }

    @Override
    public Object decode(byte[] value) throws IOException {
      if (value.length < 5 || value[0] != 0) {
        throw new IOException("not in the schema-registry wire format (magic byte 0 and a 4-byte schema id)");
      }
      int id = ByteBuffer.wrap(value, 1, 4).getInt();
      AvroBody reader = readers.get(id);
      if (reader == null) {
        Schema writer = registry.schema(id);
        String where = " of schema id " + id;
        reader = reads == null ? new Avro(writer, where) : new AvroEventReader(writer, reads, hashed, where);
        readers.put(id, reader);
      }
      return reader.decode(value, 5, value.length - 5);
    }
  }
}
