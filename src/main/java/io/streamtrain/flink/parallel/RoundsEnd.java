package io.streamtrain.flink.parallel;

import io.streamtrain.core.parallel.ShardUpdate;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Bounded data-parallel jobs only (parallelism 1): writes the rounds topic's end marker once the samples have ended
 * (the end-of-time watermark) and every model that merged a round has merged its last. Every model with a sample
 * merges a round before that watermark arrives here (a worker that waits for a merge waits for a round all workers
 * have finished and sent), so the set is complete when it is checked. The set of models under way is operator state:
 * a restored job gets again only the notes made after its checkpoint.
 */
public final class RoundsEnd extends AbstractStreamOperator<ShardUpdate>
    implements OneInputStreamOperator<String, ShardUpdate> {
  private static final long serialVersionUID = 1L;

  private transient Set<String> active;
  private transient org.apache.flink.api.common.state.ListState<String> saved;
  private transient boolean timeEnded;
  private transient boolean sent;

  @Override
  public void initializeState(org.apache.flink.runtime.state.StateInitializationContext ctx) throws Exception {
    super.initializeState(ctx);
    saved = ctx.getOperatorStateStore().getListState(new org.apache.flink.api.common.state.ListStateDescriptor<>(
        "rounds-active-models", org.apache.flink.api.common.typeinfo.Types.STRING));
    active = new HashSet<>();
    for (String m : saved.get()) {
      active.add(m);
    }
  }

  @Override
  public void snapshotState(org.apache.flink.runtime.state.StateSnapshotContext ctx) throws Exception {
    super.snapshotState(ctx);
    saved.update(new java.util.ArrayList<>(active));
  }

  @Override
  public void processElement(StreamRecord<String> note) {
    String v = note.getValue();
    if (v.startsWith("+")) {
      active.add(v.substring(1));
    } else {
      active.remove(v.substring(1));
    }
    maybeEnd();
  }

  @Override
  public void processWatermark(Watermark mark) throws Exception {
    if (mark.getTimestamp() == Long.MAX_VALUE) {
      timeEnded = true;
      maybeEnd();
    }
    super.processWatermark(mark);
  }

  private void maybeEnd() {
    if (timeEnded && active.isEmpty() && !sent) {
      sent = true;
      output.collect(new StreamRecord<>(RoundsTopic.end()));
    }
  }
}
