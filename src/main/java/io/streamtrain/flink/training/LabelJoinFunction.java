package io.streamtrain.flink.training;

import io.streamtrain.core.data.LabelJoin;
import io.streamtrain.io.events.LabelsSpec;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The delayed-label join, keyed by the join key: features (input 1) and labels (input 2) wait in keyed state
 * ({@link LabelJoin.Pending}); event-time timers at each label's time and each feature's timeout call
 * {@link LabelJoin#advance}, which emits every feature the watermark has settled, labelled or as a negative, with
 * the timer's time as its timestamp. A record at or below the current watermark is late: its decisions may have
 * been taken already, so it goes to the rejected output as LATE_EVENT instead of making the result depend on
 * arrival order.
 */
public final class LabelJoinFunction extends KeyedCoProcessFunction<String, JoinRecord, JoinRecord, JoinRecord> {
  private static final long serialVersionUID = 1L;
  /** Reason of a features or label event that came after the watermark passed its event time. */
  public static final String LATE_EVENT = "LATE_EVENT";
  private static final byte[] NO_BYTES = new byte[0];
  private final LabelsSpec labels;
  private final OutputTag<SampleRecord> rejectedTag;
  private transient LabelJoin join;
  private transient ValueState<LabelJoin.Pending> pending;
  private transient JoinRecord out;
  private transient SampleRecord late;
  private transient Collector<JoinRecord> collector;
  private transient LabelJoin.Decided decided;
  private transient Counter labelled;
  private transient Counter timedOut;
  private transient Counter unmatchedLabels;
  private transient Counter lateEvents;

  public LabelJoinFunction(LabelsSpec labels, OutputTag<SampleRecord> rejectedTag) {
    this.labels = labels;
    this.rejectedTag = rejectedTag;
  }

  @Override
  public void open(OpenContext ctx) {
    join = new LabelJoin(labels.windowMs(), labels.emitNegatives(), labels.negativeLabel());
    pending = getRuntimeContext().getState(new ValueStateDescriptor<>("label-join-pending", PendingSerializer.TYPE));
    out = new JoinRecord();
    late = new SampleRecord();
    var g = getRuntimeContext().getMetricGroup().addGroup("streamtrain");
    labelled = g.counter("join_labelled_total");
    timedOut = g.counter("join_timed_out_total");
    unmatchedLabels = g.counter("join_unmatched_labels_total");
    lateEvents = g.counter("join_late_events_total");
    decided = (sample, seq, isLabelled) -> {
      (isLabelled ? labelled : timedOut).inc();
      out.kind = JoinRecord.FEATURE;
      out.example.copyFrom(sample);
      out.partition = (int) (seq >>> 40);
      out.offset = seq & ((1L << 40) - 1);
      collector.collect(out);
    };
  }

  @Override
  public void processElement1(JoinRecord f, Context ctx, Collector<JoinRecord> c) throws Exception {
    if (isLate(f, ctx, "features")) {
      return;
    }
    LabelJoin.Pending p = state();
    ctx.timerService().registerEventTimeTimer(join.addFeature(p, f.example, f.seq()));
    pending.update(p);
  }

  @Override
  public void processElement2(JoinRecord l, Context ctx, Collector<JoinRecord> c) throws Exception {
    if (isLate(l, ctx, "label")) {
      return;
    }
    LabelJoin.Pending p = state();
    ctx.timerService().registerEventTimeTimer(join.addLabel(p, l.example.eventTime(), l.seq(), l.example.label()));
    pending.update(p);
  }

  @Override
  public void onTimer(long t, OnTimerContext ctx, Collector<JoinRecord> c) throws Exception {
    LabelJoin.Pending p = pending.value();
    if (p == null) {
      return;
    }
    collector = c;
    unmatchedLabels.inc(join.advance(p, t, decided));
    if (p.isEmpty()) {
      pending.clear();
    } else {
      pending.update(p);
    }
  }

  private LabelJoin.Pending state() throws Exception {
    LabelJoin.Pending p = pending.value();
    return p != null ? p : new LabelJoin.Pending();
  }

  private boolean isLate(JoinRecord r, Context ctx, String side) {
    long wm = ctx.timerService().currentWatermark();
    if (r.example.eventTime() > wm) {
      return false;
    }
    lateEvents.inc();
    SampleRecord s = late;
    s.example.copyFrom(r.example);
    s.configIndex = -1;
    s.topic = "";
    s.partition = r.partition;
    s.offset = r.offset;
    s.timestamp = r.example.eventTime();
    s.reason = LATE_EVENT;
    s.message = "the " + side + " event of key '" + r.key + "' at event time " + r.example.eventTime()
        + " came after the watermark had passed it (" + wm + "); raise input.labels.out_of_orderness_ms"
        + (labels.idleTimeoutMs() > 0 ? " or input.labels.idle_timeout_ms" : "");
    // A late feature travels with its model id and counts in the model's rejected figures; a late label has no
    // model, so it goes straight to the rejected topic (with no bytes: the message says what it was).
    s.raw = r.kind == JoinRecord.LABEL ? NO_BYTES : null;
    ctx.output(rejectedTag, s);
    return true;
  }
}
