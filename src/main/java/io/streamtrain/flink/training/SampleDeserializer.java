package io.streamtrain.flink.training;

import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.MurmurHash3;
import io.streamtrain.core.feature.RejectReason;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.events.EventDecoder;
import io.streamtrain.io.events.EventMapping;
import io.streamtrain.io.events.InputSpec;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.job.JobSpec;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes Avro Sample bytes straight into a {@link SampleRecord} with the hand-written codec (no generated
 * objects, no boxing). A record that does not decode is never dropped and never fails the job: it is emitted with
 * reason {@code UNDECODABLE}, its raw bytes and the decoder's message, to go to the rejected-samples topic.
 *
 * <p>One {@link SampleRecord} is reused for every record (its arrays only grow): the Kafka source pushes each
 * record synchronously through the chained validation into the network writer, which serializes it at once, and
 * with object reuse off Flink copies between chained operators anyway. A caller that collects records must copy.
 */
public final class SampleDeserializer implements KafkaRecordDeserializationSchema<SampleRecord> {
  private static final long serialVersionUID = 1L;
  /** Job-level reason for a sample without a label (the core only sees labelled examples). */
  public static final String MISSING_LABEL = "MISSING_LABEL";
  /** Job-level reason for an event (input format json, avro, avro_registry) that does not decode or map. */
  public static final String UNMAPPABLE = "UNMAPPABLE";

  /** The job spec (its raw map) whose feature spaces hash named fields while decoding; null: no hashing. */
  private final Map<String, Object> specMap;
  /** Without a spec: the input format to decode (null: Sample records). */
  private final InputSpec input;
  private transient SampleCodec codec;
  private transient MutableSample scratch;
  private transient SampleRecord reuse;
  private transient Function<String, FeatureSpace> hashSpaces;
  /** With events as input ({@code input: {format: json|avro|avro_registry}}): their mapping and decoder. */
  private transient EventMapping mapping;
  private transient EventDecoder events;
  /** Events hashed while read: a reader keeping every value, for models without a hashed space. */
  private transient EventDecoder names;
  private transient MurmurHash3.Utf8Hasher hasher;

  /** Decodes named fields as strings (the validation or the batch hashes them later). */
  public SampleDeserializer() {
    this((Map<String, Object>) null);
  }

  /**
   * Hashes the named fields of samples whose model id the spec accepts with a hashed feature space as they are
   * decoded, straight from their UTF-8 bytes: no String per field, and the strings never cross the keyBy. The
   * record keeps a reference to its bytes ({@link SampleRecord#source}) so a sample rejected later can be
   * decoded again with its names for the rejected topic. Events likewise: their categorical strings without a
   * transform are hashed as they are read, from Jackson's character buffer for JSON
   * ({@link io.streamtrain.io.events.JsonEventReader}) or from the Avro bytes
   * ({@link io.streamtrain.io.events.AvroEventReader}), the other named fields when mapped.
   */
  public SampleDeserializer(Map<String, Object> specMap) {
    this.specMap = specMap;
    this.input = null;
  }

  /**
   * Records of {@code input}'s format (a replay of an events topic): events mapped to samples, or Sample records;
   * named fields stay names (the replay hashes them).
   */
  public SampleDeserializer(InputSpec input) {
    this.specMap = null;
    this.input = input;
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    codec = new SampleCodec();
    scratch = new MutableSample();
    reuse = new SampleRecord();
    InputSpec in = input;
    if (specMap != null) {
      JobSpec spec = JobSpec.fromMap(specMap);
      in = spec.input();
      hashSpaces = new SpaceLookup(spec);
    }
    if (in != null && in.mapping() != null) {
      mapping = in.mapping();
      events = EventDecoder.of(in, in.featureFields(), hashSpaces == null ? List.of() : mapping.hashable());
      if (hashSpaces != null) {
        names = EventDecoder.of(in, in.featureFields());
        hasher = new MurmurHash3.Utf8Hasher();
      }
    }
  }

  /** The feature space of a model id's configuration (null for ids the spec does not accept). */
  private static final class SpaceLookup implements Function<String, FeatureSpace> {
    private final ConfigRoutes routes;
    private final FeatureSpace[] spaces;

    SpaceLookup(JobSpec spec) {
      this.routes = new ConfigRoutes(spec);
      this.spaces = spec.configs().stream().map(c -> c.model().features()).toArray(FeatureSpace[]::new);
    }

    @Override
    public FeatureSpace apply(String id) {
      int cfg = routes.of(id);
      return cfg < 0 ? null : spaces[cfg];
    }
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<SampleRecord> out) throws IOException {
    if (codec == null) {
      open(null);
    }
    SampleRecord r = reuse;
    r.configIndex = -1;
    r.reason = null;
    r.message = null;
    r.raw = null;
    r.source = null;
    r.topic = record.topic();
    r.partition = record.partition();
    r.offset = record.offset();
    r.timestamp = record.timestamp();
    byte[] value = record.value();
    if (value == null) {
      reject(r, RejectReason.UNDECODABLE.name(), "record has no value (tombstone)", new byte[0]);
    } else {
      try {
        if (mapping != null) {
          String why = mapping.map(events.decode(value), record.timestamp(), scratch, hashSpaces, hasher);
          if (why == EventMapping.NEEDS_TEXT) {
            why = mapping.map(names.decode(value), record.timestamp(), scratch);
          }
          if (why != null) {
            reject(r, UNMAPPABLE, "the event does not map to a sample: " + why, value);
            out.collect(r);
            return;
          }
        } else {
          codec.decode(value, 0, value.length, scratch, hashSpaces);
        }
        toExample(scratch, r.example);
        if (scratch.hashedSize > 0) {
          r.source = value;
        }
        if (scratch.labelKind == MutableSample.LabelKind.NONE) {
          r.reason = MISSING_LABEL;
          r.message = "the sample has no label (null)";
        }
      } catch (IOException | RuntimeException e) {
        // Truncated input, bad union branches, trailing bytes, absurd lengths: all one reason, with the detail.
        if (mapping != null) {
          reject(r, UNMAPPABLE, "not an event of the input format: " + e.getMessage(), value);
        } else {
          reject(r, RejectReason.UNDECODABLE.name(), "not a Sample record: " + e, value);
        }
      } catch (OutOfMemoryError e) {
        reject(r, RejectReason.UNDECODABLE.name(), "not a Sample record: a length prefix is absurdly large", value);
      }
    }
    out.collect(r);
  }

  private static void reject(SampleRecord r, String reason, String message, byte[] raw) {
    r.example.clear();
    r.reason = reason;
    r.message = message;
    r.raw = raw;
  }

  /**
   * The sample of {@code r} decoded again from its bytes with its named fields as strings, for the rejected
   * topic (its fields were hashed while decoding); no-op for a record without {@link SampleRecord#source}.
   */
  public static void restoreNames(SampleRecord r, SampleCodec codec, MutableSample scratch) throws IOException {
    if (r.source != null) {
      codec.decode(r.source, 0, r.source.length, scratch, null);
      toExample(scratch, r.example);
      r.source = null;
    }
  }

  /**
   * The sample of an event record {@code r} mapped again from its bytes with {@code names} (a decoder keeping
   * every value) and its named fields as strings, for the rejected topic; no-op without {@link SampleRecord#source}.
   */
  public static void restoreNames(SampleRecord r, EventMapping mapping, EventDecoder names, MutableSample scratch)
      throws IOException {
    if (r.source != null) {
      String why = mapping.map(names.decode(r.source), r.timestamp, scratch);
      if (why != null) {
        throw new IllegalStateException("an event that mapped once no longer maps: " + why);
      }
      toExample(scratch, r.example);
      r.source = null;
    }
  }

  /** Copies the wire form into the core's example (label kinds all become the double label the core uses). */
  public static void toExample(MutableSample s, Example e) {
    e.clear();
    e.setModelId(s.modelId);
    e.setEventTime(s.eventTime);
    e.setDense(s.dense, s.denseSize);
    for (int i = 0; i < s.sparseSize; i++) {
      e.addSparse(s.sparseIndices[i], s.sparseValues[i]);
    }
    for (int i = 0; i < s.categoricalSize; i++) {
      e.addCategorical(s.categoricalNames[i], s.categoricalValues[i]);
    }
    for (int i = 0; i < s.numericSize; i++) {
      e.addNumeric(s.numericNames[i], s.numericValues[i]);
    }
    for (int i = 0; i < s.hashedSize; i++) {
      e.addHashed(s.hashedSlots[i], s.hashedValues[i], s.hashedBits);
    }
    e.setLabel(s.label);
    e.setWeight(s.hasWeight ? s.weight : 1.0);
  }

  @Override
  public TypeInformation<SampleRecord> getProducedType() {
    return SampleRecord.TYPE;
  }
}
