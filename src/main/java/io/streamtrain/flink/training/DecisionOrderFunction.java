package io.streamtrain.flink.training;

import io.streamtrain.core.data.LabelJoin;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Puts the delayed-label join's samples of one model id into an order that does not depend on arrival: keyed by
 * model id, it buffers each sample under its decision time (the record timestamp the join gave it) and, when the
 * watermark passes that time, emits the time's samples in (feature event time, partition, offset) order. Several
 * join subtasks feed one model; the watermark says when all of them have delivered a time's samples.
 */
public final class DecisionOrderFunction extends KeyedProcessFunction<String, JoinRecord, SampleRecord> {
  private static final long serialVersionUID = 1L;
  private transient MapState<Long, LabelJoin.Pending> byTime;
  private transient SampleRecord out;
  private transient Collector<SampleRecord> collector;
  private transient LabelJoin.Decided emit;

  @Override
  public void open(OpenContext ctx) {
    byTime = getRuntimeContext().getMapState(
        new MapStateDescriptor<>("label-join-order", Types.LONG, PendingSerializer.TYPE));
    out = new SampleRecord();
    emit = (sample, seq, labelled) -> {
      // The next operator may have marked the previous sample rejected: every field is set again.
      out.example.copyFrom(sample);
      out.configIndex = -1;
      out.reason = null;
      out.message = null;
      out.raw = null;
      out.source = null;
      collector.collect(out);
    };
  }

  @Override
  public void processElement(JoinRecord r, Context ctx, Collector<SampleRecord> c) throws Exception {
    long t = ctx.timestamp();
    LabelJoin.Pending bucket = byTime.get(t);
    if (bucket == null) {
      bucket = new LabelJoin.Pending();
    }
    bucket.insertFeature(r.example, r.seq());
    byTime.put(t, bucket);
    ctx.timerService().registerEventTimeTimer(t);
  }

  @Override
  public void onTimer(long t, OnTimerContext ctx, Collector<SampleRecord> c) throws Exception {
    LabelJoin.Pending bucket = byTime.get(t);
    if (bucket != null) {
      collector = c;
      bucket.drain(emit);
      byTime.remove(t);
    }
  }
}
