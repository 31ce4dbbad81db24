package io.streamtrain.flink.training;

import com.fasterxml.jackson.core.type.TypeReference;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.drift.DriftConfig;
import io.streamtrain.core.drift.DriftMonitor;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.flink.types.DataSerializer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Keyed state of a model's drift watch, a part of the checkpoint beside the trainer's ({@link TrainerSlot}): the
 * {@code drift} section it ran with (canonical JSON) and the {@link DriftMonitor}'s state (detector, counters,
 * reaction). A savepoint from before drift detection has no such state: the model restores with drift off, or,
 * when the job now has a {@code drift} section, with a fresh detector from that point on.
 */
public final class DriftSlot {
  private static final int VERSION = 1;
  /** Name of the keyed value state (part of the savepoint format). */
  public static final String STATE_NAME = "drift";

  public final String configJson;
  public final DriftMonitor monitor;
  /**
   * The training configuration (canonical JSON, as {@link TrainerSlot} stores it) of the monitor's background
   * model, needed to read it back; set whenever there is one.
   */
  public String trainingJson;

  public DriftSlot(String configJson, DriftMonitor monitor) {
    this.configJson = configJson;
    this.monitor = monitor;
  }

  public static ValueStateDescriptor<DriftSlot> descriptor() {
    return new ValueStateDescriptor<>(STATE_NAME, new Serializer());
  }

  static String json(DriftConfig c) {
    return TrainerSlot.canonicalJson(c.toMap());
  }

  static DriftConfig config(String json) throws IOException {
    Map<String, Object> map = TrainerSlot.JSON.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() {});
    return DriftConfig.fromSpec(new SpecReader("drift", map));
  }

  /**
   * Flink serializer: version, the section's JSON, the monitor's versioned binary state, then whether a background
   * model follows and, if so, its training configuration's JSON and its {@link TrainerState} (the trainer's
   * format).
   */
  public static final class Serializer extends DataSerializer<DriftSlot> {
    private static final long serialVersionUID = 1L;

    @Override
    public DriftSlot createInstance() {
      return null;
    }

    @Override
    public void serialize(DriftSlot slot, DataOutputView out) throws IOException {
      out.writeByte(VERSION);
      byte[] cfg = slot.configJson.getBytes(StandardCharsets.UTF_8);
      out.writeInt(cfg.length);
      out.write(cfg);
      slot.monitor.write(out);
      TrainerState b = slot.monitor.background;
      out.writeBoolean(b != null);
      if (b != null) {
        byte[] t = slot.trainingJson.getBytes(StandardCharsets.UTF_8);
        out.writeInt(t.length);
        out.write(t);
        out.writeUTF(b.modelId);
        b.write(out);
      }
    }

    @Override
    public DriftSlot deserialize(DataInputView in) throws IOException {
      int v = in.readByte();
      if (v != VERSION) {
        throw new IOException("unsupported drift slot version " + v + "; this build reads " + VERSION);
      }
      byte[] cfg = new byte[in.readInt()];
      in.readFully(cfg);
      String json = new String(cfg, StandardCharsets.UTF_8);
      DriftMonitor m = new DriftMonitor(config(json));
      m.read(in);
      DriftSlot slot = new DriftSlot(json, m);
      if (in.readBoolean()) {
        byte[] t = new byte[in.readInt()];
        in.readFully(t);
        slot.trainingJson = new String(t, StandardCharsets.UTF_8);
        TrainerState b = new ModelTrainer(TrainerSlot.config(slot.trainingJson)).newState(in.readUTF());
        b.read(in);
        m.background = b;
      }
      return slot;
    }

    @Override
    public TypeSerializerSnapshot<DriftSlot> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  /** Serializer snapshot (version 1). */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<DriftSlot> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
