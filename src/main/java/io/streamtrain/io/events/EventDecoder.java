package io.streamtrain.io.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Decodes a record value of the user's events topic into what {@link EventMapping#map} reads: a Jackson tree for
 * JSON, an Avro generic record for Avro (with the writer schema given, or named by the schema-registry wire
 * format's id). One instance per thread (readers and decoders are reused).
 */
public interface EventDecoder {
  /** The event in {@code value}; IOException (or a runtime exception) when the bytes are not one. */
  Object decode(byte[] value) throws IOException;

  /** The decoder of an {@link InputSpec}'s format (JSON as a whole Jackson tree). */
  static EventDecoder of(InputSpec in) {
    return of(in, null);
  }

  /**
   * The decoder of an {@link InputSpec}'s format that only has to answer for {@code reads} (null: any path): JSON
   * then streams through each event and keeps just those fields' values ({@link JsonEventReader}).
   */
  static EventDecoder of(InputSpec in, java.util.Collection<EventMapping.Field> reads) {
    return switch (in.format()) {
      case "json" -> reads == null ? new Json() : new JsonEventReader(reads);
      case "avro" -> new Avro(new Schema.Parser().parse(in.schemaJson()));
      case "avro_registry" -> new RegistryAvro(new SchemaRegistryClient(in.registryUrl(), in.registryUser(),
          in.registryPassword()));
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

  /** Avro binary of one writer schema, no framing. */
  final class Avro implements EventDecoder {
    private final GenericDatumReader<GenericRecord> reader;
    private BinaryDecoder decoder;

    Avro(Schema writer) {
      this.reader = new GenericDatumReader<>(writer);
    }

    @Override
    public Object decode(byte[] value) throws IOException {
      decoder = DecoderFactory.get().binaryDecoder(value, decoder);
      GenericRecord r = reader.read(null, decoder);
      if (!decoder.isEnd()) {
        throw new IOException("trailing bytes after the Avro record");
      }
      return r;
    }
  }

  /**
   * The schema-registry wire format (Confluent's and Apicurio's serializers): byte 0 the magic 0, bytes 1-4 the
   * writer schema's id (big-endian), then the Avro binary body. Schemas are fetched by id once and cached.
   */
  final class RegistryAvro implements EventDecoder {
    private final SchemaRegistryClient registry;
    private final Map<Integer, GenericDatumReader<GenericRecord>> readers = new HashMap<>();
    private BinaryDecoder decoder;

    RegistryAvro(SchemaRegistryClient registry) {
      this.registry = registry;
    }

    @Override
    public Object decode(byte[] value) throws IOException {
      if (value.length < 5 || value[0] != 0) {
        throw new IOException("not in the schema-registry wire format (magic byte 0 and a 4-byte schema id)");
      }
      int id = ByteBuffer.wrap(value, 1, 4).getInt();
      GenericDatumReader<GenericRecord> reader = readers.get(id);
      if (reader == null) {
        reader = new GenericDatumReader<>(registry.schema(id));
        readers.put(id, reader);
      }
      decoder = DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, decoder);
      GenericRecord r = reader.read(null, decoder);
      if (!decoder.isEnd()) {
        throw new IOException("trailing bytes after the Avro record of schema id " + id);
      }
      return r;
    }
  }
}
