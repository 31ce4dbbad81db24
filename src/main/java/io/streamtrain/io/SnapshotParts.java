package io.streamtrain.io;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.ModelSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.utils.Utils;

/**
 * The wire form of a published model on the compacted model topic (schemas/ModelSnapshot.avsc). A model whose
 * parameters fit in {@value #PART_BYTES} bytes is one record exactly as before parts existed (the boxed {@code
 * parameters} array, {@code parts} 1), so older readers keep reading small models. A bigger model is split into
 * {@code parts} records of at most {@value #PART_PARAMETERS} parameters each, carried as little-endian bytes in
 * {@code parameter_bytes}: every record then stays far below Kafka's default 1 MB producer, broker and topic
 * limits, whatever the model size. Part 0, the head, is keyed by the model id and alone carries spec and buffers;
 * part i is keyed {@code modelId + "\0" + i}, so compaction (latest record per key) keeps every part of the latest
 * version. {@link #partition} puts every part in the partition of the head's key, so one transaction's commit
 * marker makes a whole version visible at once. {@link #decode} also reads records written with the first schema
 * version. Readers assemble versions with {@link SnapshotAssembler}.
 */
public final class SnapshotParts {
  /** At most this many parameter bytes a record (512 KiB): half of Kafka's default 1 MB record limits. */
  public static final int PART_BYTES = 512 * 1024;
  public static final int PART_PARAMETERS = PART_BYTES / Double.BYTES;

  /** Fields added after schema v1 (schemas/history/ModelSnapshot/v1.avsc); dropping them gives v1 back. */
  static final Set<String> FIELDS_SINCE_V1 =
      Set.of("part", "parts", "parameter_count", "parameter_offset", "parameter_bytes", "origin");
  /** Fields added after schema v2 (schemas/history/ModelSnapshot/v2.avsc, the parts). */
  static final Set<String> FIELDS_SINCE_V2 = Set.of("origin");

  private static final Schema V1 = without(ModelSnapshot.getClassSchema(), FIELDS_SINCE_V1);
  private static final Schema V2 = without(ModelSnapshot.getClassSchema(), FIELDS_SINCE_V2);

  private SnapshotParts() {}

  /** How many records a model of {@code numParams} parameters is published as. */
  public static int partCount(long numParams) {
    return numParams <= PART_PARAMETERS ? 1 : (int) ((numParams + PART_PARAMETERS - 1) / PART_PARAMETERS);
  }

  /**
   * Emits {@code head} (spec, buffers, counters, version and the checksum of {@code params} already set; its
   * parameters are ignored) with {@code params} as the records of one version, part 0 first. One record of the v1
   * form when the parameters fit; otherwise each part is built, handed to {@code out} and dropped, so publishing
   * holds one part's bytes at a time besides the parameters themselves.
   */
  public static void split(ModelSnapshot head, double[] params, Consumer<ModelSnapshot> out) {
    int parts = partCount(params.length);
    if (parts == 1) {
      List<Double> boxed = new ArrayList<>(params.length);
      for (double d : params) {
        boxed.add(d);
      }
      out.accept(ModelSnapshot.newBuilder(head).setParameters(boxed).setPart(0).setParts(1)
          .setParameterCount(-1).setParameterOffset(0).setParameterBytes(ByteBuffer.allocate(0)).build());
      return;
    }
    for (int p = 0; p < parts; p++) {
      int from = p * PART_PARAMETERS;
      int n = Math.min(PART_PARAMETERS, params.length - from);
      ModelSnapshot.Builder b = ModelSnapshot.newBuilder(head)
          .setParameters(List.of())
          .setPart(p)
          .setParts(parts)
          .setParameterCount(params.length)
          .setParameterOffset(from)
          .setParameterBytes(toBytes(params, from, n));
      if (p > 0) {
        // Spec and buffers travel once, in the head; the other parts repeat only what identifies the version.
        b.setSpec(ModelSpec.newBuilder().setModelType(head.getSpec().getModelType())
            .setLayers(List.of()).setFeatureSpaceJson("{}").setModelJson("{}").build());
        b.setBuffers(List.of());
      }
      out.accept(b.build());
    }
  }

  /**
   * One complete version as a single record: {@code head}'s spec, buffers, counters and checksum with all
   * {@code params} in {@code parameter_bytes} (parts 1, parameter_count = their number). Never written to the model
   * topic (its size is unbounded); it hands an assembled version on inside a job, and {@link SnapshotAssembler}
   * takes it back (checking the checksum again).
   */
  public static ModelSnapshot whole(ModelSnapshot head, double[] params) {
    return ModelSnapshot.newBuilder(head).setParameters(List.of()).setPart(0).setParts(1)
        .setParameterCount(params.length).setParameterOffset(0).setParameterBytes(toBytes(params, 0, params.length))
        .build();
  }

  /** The Kafka key of a record: the model id for the head, model id, NUL and the part index for the others. */
  public static String key(ModelSnapshot s) {
    return key(s.getModelId(), s.getPart());
  }

  public static String key(String modelId, int part) {
    return part == 0 ? modelId : modelId + '\0' + part;
  }

  /**
   * The partition every record of {@code modelId} goes to: the one Kafka's default partitioner picks for the
   * head's key (murmur2 of the UTF-8 bytes), so a version's parts share the head's partition and its order.
   */
  public static int partition(String modelId, int numPartitions) {
    byte[] k = modelId.getBytes(StandardCharsets.UTF_8);
    return Utils.toPositive(Utils.murmur2(k)) % numPartitions;
  }

  /** {@code n} parameters from {@code from} as consecutive little-endian doubles (the checksum's encoding). */
  public static ByteBuffer toBytes(double[] params, int from, int n) {
    ByteBuffer bb = ByteBuffer.allocate(n * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bb.asDoubleBuffer().put(params, from, n);
    return bb;
  }

  /** Copies the little-endian doubles of {@code bytes} into {@code into} from {@code offset}. */
  public static void fromBytes(ByteBuffer bytes, double[] into, int offset) {
    bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(into, offset, bytes.remaining() / 8);
  }

  /**
   * Decodes a model-topic record value written with the current schema, schema v2 (no trailing origin) or schema
   * v1 (no part fields either): each lacks the later trailing fields, so a record decodes exactly under its own
   * writer schema only; null when the bytes are none of them.
   */
  public static ModelSnapshot decode(byte[] value) {
    if (value == null) {
      return null;
    }
    ModelSnapshot s = decode(value, ModelSnapshot.getClassSchema());
    if (s == null) {
      s = decode(value, V2);
    }
    return s != null ? s : decode(value, V1);
  }

  private static ModelSnapshot decode(byte[] value, Schema writer) {
    try {
      BinaryDecoder d = DecoderFactory.get().binaryDecoder(value, null);
      ModelSnapshot s = new SpecificDatumReader<ModelSnapshot>(writer, ModelSnapshot.getClassSchema()).read(null, d);
      return d.isEnd() ? s : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The first ModelSnapshot schema: the current one without the fields added since. */
  static Schema v1(Schema current) {
    return without(current, FIELDS_SINCE_V1);
  }

  /** The second (parts, no origin): what builds before drift reactions wrote; for tools that decode generically. */
  public static Schema v2Schema() {
    return V2;
  }

  private static Schema without(Schema current, Set<String> later) {
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : current.getFields()) {
      if (!later.contains(f.name())) {
        fields.add(new Schema.Field(f, f.schema()));
      }
    }
    return Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
  }

  /** The v1 writer schema, for tools that decode generically (consume). */
  public static Schema v1Schema() {
    return V1;
  }
}
