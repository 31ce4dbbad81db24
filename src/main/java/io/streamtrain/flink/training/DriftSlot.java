package io.streamtrain.flink.training;

import com.fasterxml.jackson.core.type.TypeReference;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.drift.DriftConfig;
import io.streamtrain.core.drift.DriftMonitor;
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

  /** Flink serializer: version, the section's JSON, then the monitor's versioned binary state. */
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
      return new DriftSlot(json, m);
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
