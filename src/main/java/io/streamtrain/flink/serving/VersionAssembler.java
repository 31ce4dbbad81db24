package io.streamtrain.flink.serving;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.io.SnapshotAssembler;
import io.streamtrain.io.SnapshotParts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by model id: assembles the model topic's records into complete, checksum-verified versions with the
 * {@link SnapshotAssembler} (the rules every reader of the topic follows) and emits each version newer than the
 * last one emitted once, as a single record ({@link SnapshotParts#whole}). Parts of a version still incomplete are
 * kept in keyed state, so a checkpoint taken between two parts of a version loses none of them: the source resumes
 * after the parts it had read, and the state holds those.
 */
public final class VersionAssembler extends KeyedProcessFunction<String, ModelSnapshot, ModelSnapshot> {
  private static final long serialVersionUID = 1L;

  private transient ListState<ModelSnapshot> pending;
  private transient ValueState<Long> emitted;
  /** Per model id, the assembler fed with the pending parts (made again from the state after a restore). */
  private transient Map<String, SnapshotAssembler> assemblers;

  @Override
  public void open(OpenContext context) {
    pending = getRuntimeContext().getListState(
        new ListStateDescriptor<>("pending-parts", new AvroTypeInfo<>(ModelSnapshot.class)));
    emitted = getRuntimeContext().getState(new ValueStateDescriptor<>("emitted-version", Types.LONG));
    assemblers = new HashMap<>();
  }

  @Override
  public void processElement(ModelSnapshot s, Context ctx, Collector<ModelSnapshot> out) throws Exception {
    String id = ctx.getCurrentKey();
    Long done = emitted.value();
    long last = done == null ? Long.MIN_VALUE : done;
    if (s.getVersion() <= last) {
      return; // a version already served (a compacted topic read again, a republished part)
    }
    SnapshotAssembler a = assemblers.get(id);
    if (a == null) {
      a = new SnapshotAssembler(id::equals, null);
      for (ModelSnapshot p : parts()) {
        a.add(p);
      }
      assemblers.put(id, a);
    }
    a.add(s);
    SnapshotAssembler.Assembled best = a.complete().get(id);
    if (best == null || best.version() <= last) {
      pending.add(s);
      return;
    }
    emitted.update(best.version());
    out.collect(SnapshotParts.whole(best.head(), best.parameters()));
    // Parts of versions at or below the one emitted can never win any more.
    List<ModelSnapshot> keep = new ArrayList<>();
    for (ModelSnapshot p : parts()) {
      if (p.getVersion() > best.version()) {
        keep.add(p);
      }
    }
    if (s.getVersion() > best.version()) {
      keep.add(s);
    }
    pending.update(keep);
  }

  private Iterable<ModelSnapshot> parts() throws Exception {
    Iterable<ModelSnapshot> p = pending.get();
    return p == null ? List.of() : p;
  }
}
