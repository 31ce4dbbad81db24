package io.streamtrain.flink.replay;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.SpecException;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.flink.training.TrainerSlot;
import io.streamtrain.flink.training.TrainingJob;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.state.api.runtime.SavepointLoader;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;

/**
 * Reads one model out of a training job's savepoint (or retained checkpoint) for holdout scoring, with Flink's
 * State Processor API: the keyed state of the operator with uid {@link TrainingJob#TRAINER_UID}, value state
 * {@link TrainerSlot#STATE_NAME}. A {@link TrainerSlot} is self-describing, so the model section comes from the
 * training configuration stored in the savepoint and the parameters and batch-norm buffers from its state: the
 * result scores exactly like the published snapshot of the same step. The directory and the trainer operator are
 * checked from the metadata before any job runs; the read itself is a small bounded job in a local MiniCluster.
 * Savepoints are read with the hashmap state backend (the training job's); a canonical savepoint of any backend
 * reads that way, a retained checkpoint only if the job ran on the hashmap backend.
 */
public final class SavepointModels {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "holdout.savepoint";

  private SavepointModels() {}

  /**
   * The model {@code modelId} as the savepoint at {@code location} (a local directory, a {@code file:} URI or
   * another Flink file system URI) holds it. Its version is the published snapshot version when the state is
   * exactly that snapshot (no step since), else null.
   */
  public static HoldoutModel read(String location, String modelId) {
    String uri = checkLocation(location);
    CheckpointMetadata meta;
    try {
      meta = SavepointLoader.loadSavepointMetadata(uri);
    } catch (IOException | RuntimeException e) {
      throw new SpecException(KEY, location, "a Flink savepoint or retained checkpoint this build can read ("
          + e.getMessage() + ")");
    }
    checkTrainer(meta, location);
    List<String> ids = new ArrayList<>();
    java.io.ByteArrayOutputStream wantedBytes = new java.io.ByteArrayOutputStream();
    try {
      Configuration conf = new Configuration();
      // A bounded read: a failure is reported, not retried.
      conf.setString("restart-strategy.type", "none");
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
      SavepointReader sp = SavepointReader.read(env, uri, new HashMapStateBackend());
      try (CloseableIterator<Tuple2<String, byte[]>> it = sp.readKeyedState(
              OperatorIdentifier.forUid(TrainingJob.TRAINER_UID), new SlotReader(modelId), Types.STRING,
              Types.TUPLE(Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO))
          .executeAndCollect("streamtrain-savepoint-read")) {
        while (it.hasNext()) {
          Tuple2<String, byte[]> t = it.next();
          ids.add(t.f0);
          if (t.f0.equals(modelId)) {
            // The wanted slot arrives in order, in chunks (SlotReader).
            wantedBytes.write(t.f1);
          }
        }
      }
    } catch (SpecException e) {
      throw e;
    } catch (Exception e) {
      throw new SpecException(KEY, location, "a savepoint whose trainer state this build can read ("
          + rootMessage(e) + ")");
    }
    byte[] wanted = wantedBytes.size() == 0 ? null : wantedBytes.toByteArray();
    if (wanted == null) {
      throw new SpecException("holdout.model_id", modelId, "a model id in savepoint " + location + ": "
          + (ids.isEmpty() ? "(it holds no trained model)" : String.join(", ", new TreeSet<>(ids))));
    }
    TrainerSlot slot;
    try {
      slot = new TrainerSlot.Serializer().deserialize(new DataInputDeserializer(wanted));
    } catch (IOException e) {
      throw new SpecException(KEY, location, "a trainer state this build can read (" + e.getMessage() + ")");
    }
    return resolved(slot, modelId);
  }

  /** The holdout model of a trainer slot: model section from its configuration, parameters and buffers. */
  static HoldoutModel resolved(TrainerSlot slot, String modelId) {
    Map<String, Object> config;
    try {
      config = JSON.readValue(slot.configJson, new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (IOException e) {
      throw new SpecException(KEY, slot.configJson, "a savepoint with a readable training configuration");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> model = (Map<String, Object>) config.get("model");
    if (model == null) {
      throw new SpecException(KEY, slot.configJson, "a savepoint whose training configuration has a model section");
    }
    TrainerState s = slot.state;
    // The state is a published snapshot only if no step was taken since that snapshot.
    Long version = s.version > 0 && s.step == s.lastSnapshotStep ? s.version : null;
    return new HoldoutModel(model, s.params.clone(), s.buffers.clone(), version,
        modelId + "-savepoint-step" + s.step);
  }

  /**
   * The savepoint location as a URI for Flink; for a local path (no scheme, or {@code file:}) the directory must
   * exist and hold {@code _metadata}. Other file systems (s3://, hdfs://) are left to Flink.
   */
  static String checkLocation(String location) {
    URI uri;
    try {
      uri = location.contains("://") || location.startsWith("file:") ? new URI(location) : null;
    } catch (java.net.URISyntaxException e) {
      throw new SpecException(KEY, location, "a directory path or a URI (" + e.getMessage() + ")");
    }
    if (uri != null && uri.getScheme() != null && !uri.getScheme().equals("file")) {
      return location;
    }
    Path dir = uri != null ? Path.of(uri) : Path.of(location);
    dir = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      throw new SpecException(KEY, location, "an existing savepoint or retained checkpoint directory");
    }
    if (!Files.isRegularFile(dir.resolve("_metadata"))) {
      List<String> inside = new ArrayList<>();
      try (Stream<Path> l = Files.list(dir)) {
        l.filter(p -> Files.isRegularFile(p.resolve("_metadata"))).map(p -> p.getFileName().toString()).sorted()
            .forEach(inside::add);
      } catch (IOException e) {
        // Only a hint for the message below.
      }
      throw new SpecException(KEY, location, "a savepoint or checkpoint directory holding _metadata"
          + (inside.isEmpty() ? "" : "; these directories inside it hold one: " + String.join(", ", inside)));
    }
    return dir.toUri().toString();
  }

  private static void checkTrainer(CheckpointMetadata meta, String location) {
    var trainer = OperatorIdentifier.forUid(TrainingJob.TRAINER_UID).getOperatorId();
    TreeSet<String> uids = new TreeSet<>();
    for (OperatorState op : meta.getOperatorStates()) {
      if (op.getOperatorID().equals(trainer)) {
        return;
      }
      op.getOperatorUid().ifPresent(uids::add);
    }
    throw new SpecException(KEY, location, "a savepoint of a streamtrain training job, with the trainer operator"
        + " (uid '" + TrainingJob.TRAINER_UID + "'); this one has " + meta.getOperatorStates().size()
        + " operators" + (uids.isEmpty() ? "" : ", uids " + String.join(", ", uids)));
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }

  /**
   * Emits every model id of the trainer state, with the serialized slot of the wanted one in consecutive chunks
   * of at most {@link #CHUNK_BYTES} (empty bytes for the others: the ids serve only the unknown-id message, and a
   * savepoint may hold many models).
   */
  static final class SlotReader extends KeyedStateReaderFunction<String, Tuple2<String, byte[]>> {
    private static final long serialVersionUID = 1L;
    /** Bytes of the wanted slot a collected record carries. */
    static final int CHUNK_BYTES = 512 * 1024;
    private final String wanted;
    private transient ValueState<TrainerSlot> state;

    SlotReader(String wanted) {
      this.wanted = wanted;
    }

    @Override
    public void open(OpenContext ctx) {
      state = getRuntimeContext().getState(TrainerSlot.descriptor());
    }

    @Override
    public void readKey(String key, Context ctx, Collector<Tuple2<String, byte[]>> out) throws Exception {
      TrainerSlot slot = key.equals(wanted) ? state.value() : null;
      if (slot == null) {
        out.collect(Tuple2.of(key, new byte[0]));
        return;
      }
      DataOutputSerializer buf = new DataOutputSerializer(1024);
      new TrainerSlot.Serializer().serialize(slot, buf);
      // Chunks well below the collect sink's batch limit (collect-sink.batch-size.max, 2 MB by default): a whole
      // slot of a big model (parameters plus optimizer moments) would exceed it and fail the read.
      byte[] all = buf.getSharedBuffer();
      int n = buf.length();
      for (int from = 0; from < n; from += CHUNK_BYTES) {
        out.collect(Tuple2.of(key, java.util.Arrays.copyOfRange(all, from, Math.min(n, from + CHUNK_BYTES))));
      }
    }
  }
}
