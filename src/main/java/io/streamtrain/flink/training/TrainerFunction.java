package io.streamtrain.flink.training;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingEvent;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.diag.DiagEvent;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.ModelTrainer.StepResult;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.job.JobSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by model id: applies one optimizer step per mini-batch to the model's state (parameters, optimizer,
 * schedule, counters in keyed state), emits {@link TrainingMetrics} every N batches and a {@link ModelSnapshot}
 * on the snapshot cadence (never a non-finite one), and a final report and snapshot at the end of a bounded
 * input. The math lives in the core's {@link ModelTrainer}; this function only loads state, calls it, stores
 * state and emits. Training diagnostics (the spec's {@code diagnostics} section) ride in the metrics'
 * {@code diagnostics} record (training state, evidence, named figures), saddle escapes in its events, and the
 * same figures are gauges under the {@code streamtrain} metric group, one {@code model_id} group per model
 * ({@link ModelGauges}). Each report's {@code consumer_lag} is the
 * latest lag the batches of its model brought (see {@link ConsumerLags}); it is kept in operator memory, never in
 * state, and never touches training.
 */
public final class TrainerFunction extends KeyedProcessFunction<String, MiniBatch, TrainingMetrics> {
  private static final long serialVersionUID = 1L;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrainerFunction.class);

  private final Map<String, Object> specMap;
  private final OutputTag<ModelSnapshot> snapshotTag;
  private final WarmStarts warmStarts;
  private transient JobSpec spec;
  private transient ModelTrainer[] trainers;
  private transient String[] configJson;
  private transient ValueState<TrainerSlot> state;
  /**
   * Events not yet reported, per model (keyed state): they belong in that model's next report, and a checkpoint
   * taken before the report carries them, so a restored job reports them as the uninterrupted one would.
   */
  private transient ListState<TrainingEvent> events;
  /** Gauges, reports, lag and throughput per model (operator memory, never state). */
  private transient TrainerReports reports;
  /** Drift detection and its reactions per model (the spec's drift sections; its own keyed state). */
  private transient DriftWatch drift;

  public TrainerFunction(Map<String, Object> specMap, OutputTag<ModelSnapshot> snapshotTag) {
    this(specMap, snapshotTag, null);
  }

  /** With initial models for models that have no state yet ({@code warm_start}; null: none). */
  public TrainerFunction(Map<String, Object> specMap, OutputTag<ModelSnapshot> snapshotTag, WarmStarts warmStarts) {
    this.specMap = specMap;
    this.snapshotTag = snapshotTag;
    this.warmStarts = warmStarts;
  }

  @Override
  public void open(OpenContext ctx) {
    spec = JobSpec.fromMap(specMap);
    int n = spec.configs().size();
    trainers = new ModelTrainer[n];
    configJson = new String[n];
    for (int i = 0; i < n; i++) {
      configJson[i] = TrainerSlot.canonicalJson(spec.configMap(i));
    }
    state = getRuntimeContext().getState(TrainerSlot.descriptor());
    events = getRuntimeContext().getListState(
        new ListStateDescriptor<>("events", new AvroTypeInfo<>(TrainingEvent.class)));
    reports = new TrainerReports(getRuntimeContext().getMetricGroup(), spec.metricsEveryBatches());
    drift = new DriftWatch(spec);
    drift.open(getRuntimeContext());
  }

  private ModelTrainer trainer(int i) {
    if (trainers[i] == null) {
      trainers[i] = new ModelTrainer(spec.configs().get(i)).enableDiagnostics(spec.diagnostics(i));
      LOG.info("configuration {} trains on the {} path", i, trainers[i].path().describe());
    }
    return trainers[i];
  }

  @Override
  public void processElement(MiniBatch batch, Context ctx, Collector<TrainingMetrics> out) throws Exception {
    String modelId = ctx.getCurrentKey();
    int cfg = batch.configIndex;
    ModelTrainer trainer = trainer(cfg);
    TrainerSlot slot = state.value();
    if (slot == null) {
      slot = new TrainerSlot(configJson[cfg], newState(modelId, cfg, trainer));
      ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    } else if (!slot.configJson.equals(configJson[cfg])) {
      List<TrainingEvent> changed = new ArrayList<>();
      slot = Migrations.migrate(slot, configJson[cfg], trainer, changed);
      events.addAll(changed);
    }
    TrainerState s = slot.state;
    if (batch.consumerLag >= 0) {
      reports.noteLag(modelId, batch.consumerLag);
    }
    s.rejectedSamples += batch.rejected;
    s.interval.rejected += batch.rejected;
    java.util.List<io.streamtrain.core.data.Example> examples = withoutStaleHashes(batch, cfg, s);
    if (examples.size() > 0) {
      for (int i = 0; i < examples.size(); i++) {
        long t = examples.get(i).eventTime();
        if (t < s.interval.eventMin) {
          s.interval.eventMin = t;
        }
        if (t > s.interval.eventMax) {
          s.interval.eventMax = t;
        }
        if (t > s.maxEventTime) {
          s.maxEventTime = t;
        }
      }
      DriftSlot watch = drift.before(cfg, s, events);
      StepResult r = trainer.train(s, examples);
      if (r.rolledBack) {
        events.add(new TrainingEvent("loss_spike_rollback", s.step,
            "batch loss " + r.loss + " exceeded " + spec.configs().get(cfg).guard().spikeFactor()
                + " x smoothed loss " + r.smoothedLoss + "; batch not applied, parameters, optimizer and schedule"
                + " rolled back to their state before step " + s.guard.goodStep + ", learning-rate scale now "
                + s.guard.lrScale));
      } else if (r.skipped) {
        events.add(new TrainingEvent("skipped_batch", s.step,
            "non-finite loss or gradient (loss " + r.loss + ", gradient norm " + r.gradNorm + "); batch skipped"));
      }
      if (s.diag.hasEvents()) {
        for (DiagEvent e : s.diag.drainEvents()) {
          events.add(new TrainingEvent(e.type(), e.step(), e.message()));
        }
      }
      reports.record(s, r);
      if (watch != null) {
        drift.after(watch, trainer, r, s, events); // last reader of r: a background model's step reuses it
        reports.noteDrift(modelId, watch.monitor);
      }
      if (s.interval.batches >= spec.metricsEveryBatches()) {
        out.collect(report(s));
      }
      maybeSnapshot(s, trainer, cfg, ctx, false, DriftWatch.swapOrigin(watch, s));
    }
    state.update(slot);
  }

  /**
   * The batch without samples whose named fields were hashed for another width than this configuration's (samples
   * buffered in the batcher's checkpointed state when a restart changed hash_bits): they cannot be trained here,
   * so they are counted as rejected and reported once per batch instead of failing the job on every restart.
   */
  private java.util.List<io.streamtrain.core.data.Example> withoutStaleHashes(MiniBatch batch, int cfg,
      TrainerState s) throws Exception {
    int bits = spec.configs().get(cfg).model().features().hashBits();
    java.util.List<io.streamtrain.core.data.Example> keep = null;
    int stale = 0;
    int staleBits = 0;
    for (int i = 0; i < batch.size(); i++) {
      io.streamtrain.core.data.Example e = batch.get(i);
      if (e.hashedLength() > 0 && e.hashedBits() != bits) {
        if (keep == null) {
          keep = new ArrayList<>(batch.subList(0, i)); // the first stale sample: copy what came before it
        }
        stale++;
        staleBits = e.hashedBits();
      } else if (keep != null) {
        keep.add(e);
      }
    }
    if (keep == null) {
      return batch;
    }
    s.rejectedSamples += stale;
    s.interval.rejected += stale;
    events.add(new TrainingEvent("stale_hashed_samples", s.step, stale + " buffered samples were hashed into "
        + staleBits + " bits, the configuration now has hash_bits " + bits + "; not trained, counted as rejected"));
    return keep;
  }

  /** A model's first state in this job: from its warm start when there is one, else from its initializer. */
  private TrainerState newState(String modelId, int cfg, ModelTrainer trainer) throws Exception {
    TrainerState s = trainer.newState(modelId);
    events.add(new TrainingEvent("training_path", 0L, trainer.path().describe()));
    WarmStarts.Initial init = warmStarts == null ? null : warmStarts.lookup(modelId, cfg);
    if (init != null) {
      s.warmStart(init.params(), init.buffers(), init.version());
      events.add(new TrainingEvent("warm_started", 0L, "parameters and buffers from snapshot " + init.sourceId()
          + " version " + init.sourceVersion() + "; optimizer and schedule fresh"
          + (init.version() > 0 ? "; versions continue from " + init.version() : "")));
    }
    return s;
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<TrainingMetrics> out) throws Exception {
    // End of a bounded input: report what is left of the interval and publish the final model.
    TrainerSlot slot = state.value();
    if (slot == null) {
      return;
    }
    TrainerState s = slot.state;
    int cfg = spec.configIndex(s.modelId);
    if (reports.lagOf(s.modelId) != null) {
      // The input has ended: every record up to the bounded source's end offsets was read. The last lag marker
      // was measured before the final records arrived and would report a backlog that no longer exists. (The
      // shuffle buffer's remainder is flushed at the end, so this final report is there in practice; none is
      // added when the interval is empty, which keeps the reports a function of the data.)
      reports.noteLag(s.modelId, 0);
    }
    if (s.interval.batches > 0 || s.interval.rejected > 0 || !pendingEvents().isEmpty()) {
      out.collect(report(s));
    }
    if (cfg >= 0) {
      maybeSnapshot(s, trainer(cfg), cfg, ctx, true, null);
    }
    state.update(slot);
  }

  private TrainingMetrics report(TrainerState s) throws Exception {
    TrainingMetrics m = reports.report(s, pendingEvents());
    m.setDrift(drift.report(spec.configIndex(s.modelId), s));
    events.clear();
    return m;
  }

  private List<TrainingEvent> pendingEvents() throws Exception {
    List<TrainingEvent> out = new ArrayList<>();
    Iterable<TrainingEvent> it = events.get();
    if (it != null) {
      it.forEach(out::add);
    }
    return out;
  }

  /** {@code origin}: set when a drift reaction replaced the parameters; the snapshot is then due at once. */
  private void maybeSnapshot(TrainerState s, ModelTrainer trainer, int cfg, Context ctx, boolean finalSnapshot,
      String origin) throws Exception {
    if (s.lastSnapshotEventTime == Long.MIN_VALUE && s.maxEventTime != Long.MIN_VALUE) {
      // The event-time cadence counts from the first event the model saw.
      s.lastSnapshotEventTime = s.maxEventTime;
    }
    boolean due;
    if (finalSnapshot) {
      due = s.step > s.lastSnapshotStep;
    } else {
      boolean bySteps = spec.snapshotEverySteps() > 0 && s.step - s.lastSnapshotStep >= spec.snapshotEverySteps();
      boolean byTime = spec.snapshotEveryEventTimeMs() > 0 && s.lastSnapshotEventTime != Long.MIN_VALUE
          && s.maxEventTime - s.lastSnapshotEventTime >= spec.snapshotEveryEventTimeMs();
      due = bySteps || byTime || origin != null;
    }
    if (!due || s.step == 0) {
      return;
    }
    if (!Snapshots.allFinite(s)) {
      events.add(new TrainingEvent("snapshot_withheld", s.step, "parameters are not finite; not published"));
      return;
    }
    s.version++;
    s.lastSnapshotStep = s.step;
    s.lastSnapshotEventTime = s.maxEventTime;
    @SuppressWarnings("unchecked")
    Map<String, ?> modelSpec = (Map<String, ?>) spec.configMap(cfg).get("model");
    Snapshots.publish(s, trainer.model(), modelSpec, s.version, s.maxEventTime, p -> {
      if (origin != null && p.getPart() == 0) {
        p.setOrigin(origin);
      }
      ctx.output(snapshotTag, p);
    });
  }
}
