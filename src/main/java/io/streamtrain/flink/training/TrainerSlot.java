package io.streamtrain.flink.training;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.core.train.TrainingConfig;
import io.streamtrain.flink.types.DataSerializer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Keyed state of the trainer for one model: the {@link TrainerState} together with the training configuration
 * (as canonical JSON) that produced it. Storing the configuration makes a checkpoint self-describing: it restores
 * exactly the optimizer and schedule that were running, and the trainer can tell when a restarted job brings a
 * changed configuration.
 */
public final class TrainerSlot {
  static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
  private static final int VERSION = 1;
  /**
   * Name of the trainer's keyed value state. Part of the savepoint format: a savepoint reader finds the state by
   * it, and renaming it orphans the state of existing savepoints.
   */
  public static final String STATE_NAME = "trainer";

  public final String configJson;
  public final TrainerState state;

  public TrainerSlot(String configJson, TrainerState state) {
    this.configJson = configJson;
    this.state = state;
  }

  /** The descriptor of the trainer's keyed state, shared by the trainer and savepoint readers. */
  public static org.apache.flink.api.common.state.ValueStateDescriptor<TrainerSlot> descriptor() {
    return new org.apache.flink.api.common.state.ValueStateDescriptor<>(STATE_NAME, new Serializer());
  }

  /** Canonical JSON of a configuration map (keys sorted), the identity of a configuration. */
  public static String canonicalJson(Map<String, ?> config) {
    try {
      return JSON.writeValueAsString(config);
    } catch (IOException e) {
      throw new IllegalArgumentException("configuration is not serializable to JSON", e);
    }
  }

  /** Parsed configurations by their JSON, shared by all serializer instances of a JVM (they are immutable). */
  private static final Map<String, TrainingConfig> CONFIGS = new ConcurrentHashMap<>();

  public static TrainingConfig config(String json) throws IOException {
    TrainingConfig c = CONFIGS.get(json);
    if (c == null) {
      Map<String, Object> map = JSON.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() {});
      c = TrainingConfig.fromSpec(new SpecReader("", map));
      CONFIGS.put(json, c);
    }
    return c;
  }

  /** Flink serializer: version, model id, configuration JSON, then the core's binary trainer state. */
  public static final class Serializer extends DataSerializer<TrainerSlot> {
    private static final long serialVersionUID = 1L;

    @Override
    public TrainerSlot createInstance() {
      return null;
    }

    @Override
    public void serialize(TrainerSlot slot, DataOutputView out) throws IOException {
      out.writeByte(VERSION);
      out.writeUTF(slot.state.modelId);
      byte[] cfg = slot.configJson.getBytes(StandardCharsets.UTF_8);
      out.writeInt(cfg.length);
      out.write(cfg);
      slot.state.write(out);
    }

    @Override
    public TrainerSlot deserialize(DataInputView in) throws IOException {
      int v = in.readByte();
      if (v != VERSION) {
        throw new IOException("unsupported trainer slot version " + v + "; this build reads " + VERSION);
      }
      String modelId = in.readUTF();
      byte[] cfg = new byte[in.readInt()];
      in.readFully(cfg);
      String json = new String(cfg, StandardCharsets.UTF_8);
      // A fresh state of the stored configuration's shape, then the stored values on top.
      TrainerState s = new ModelTrainer(config(json)).newState(modelId);
      s.read(in);
      return new TrainerSlot(json, s);
    }

    @Override
    public TypeSerializerSnapshot<TrainerSlot> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  /** Serializer snapshot (version 1). */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<TrainerSlot> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
