package io.streamtrain.flink.training;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingEvent;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.ModelTrainer.StepResult;
import io.streamtrain.core.train.SnapshotCadence;
import io.streamtrain.core.train.StaleHashes;
import io.streamtrain.core.train.TrainerEvent;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.job.JobSpec;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by model id: applies one optimizer step per mini-batch to the model's state (keyed state, {@link
 * TrainerSlot}), emits {@link TrainingMetrics} every N batches and a {@link ModelSnapshot} when the core's
 * {@link SnapshotCadence} says one is due (never a non-finite one), and a final report and snapshot at the end of
 * a bounded input. The step is the core's {@link ModelTrainer}, the events' texts the core's {@link TrainerEvent};
 * this function loads state ({@link TrainerSlots}), calls the core, stores state and emits. Diagnostics ride in
 * the reports and the per-model gauges ({@link TrainerReports}); each report's consumer lag is the latest its
 * model's batches brought ({@link ConsumerLags}), operator memory that never touches training.
 */
public final class TrainerFunction extends KeyedProcessFunction<String, MiniBatch, TrainingMetrics> {
  private static final long serialVersionUID = 1L;

  private final Map<String, Object> specMap;
  private final OutputTag<ModelSnapshot> snapshotTag;
  private final WarmStarts warmStarts;
  private transient JobSpec spec;
  private transient TrainerSlots slots;
  private transient ValueState<TrainerSlot> state;
  private transient ModelEvents events;
  /** Gauges, reports, lag and throughput per model (operator memory, never state). */
  private transient TrainerReports reports;
  /** Drift detection and its reactions per model (the spec's drift sections; its own keyed state). */
  private transient DriftWatch drift;
  private transient SnapshotCadence cadence;

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
    slots = new TrainerSlots(spec, warmStarts);
    state = getRuntimeContext().getState(TrainerSlot.descriptor());
    events = new ModelEvents(getRuntimeContext().getListState(
        new ListStateDescriptor<>("events", new AvroTypeInfo<>(TrainingEvent.class))));
    reports = new TrainerReports(getRuntimeContext().getMetricGroup(), spec.metricsEveryBatches());
    drift = new DriftWatch(spec);
    drift.open(getRuntimeContext());
    cadence = new SnapshotCadence(spec.snapshotEverySteps(), spec.snapshotEveryEventTimeMs());
  }

  @Override
  public void processElement(MiniBatch batch, Context ctx, Collector<TrainingMetrics> out) throws Exception {
    String modelId = ctx.getCurrentKey();
    int cfg = batch.configIndex;
    ModelTrainer trainer = slots.trainer(cfg);
    TrainerSlot stored = state.value();
    TrainerSlot slot = slots.load(stored, modelId, cfg, events.core);
    if (stored == null) {
      ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }
    TrainerState s = slot.state;
    if (batch.consumerLag >= 0) {
      reports.noteLag(modelId, batch.consumerLag);
    }
    s.noteRejected(batch.rejected);
    List<Example> examples =
        StaleHashes.drop(batch, spec.configs().get(cfg).model().features().hashBits(), s, events.core);
    events.flush(s);
    if (examples.size() > 0) {
      s.noteEventTimes(examples);
      DriftSlot watch = drift.before(cfg, s, events.state());
      StepResult r = trainer.train(s, examples);
      TrainerEvent.ofStep(r, s, spec.configs().get(cfg).guard(), events.core);
      events.flush(s);
      reports.record(s);
      if (watch != null) {
        drift.after(watch, trainer, r, s, events.state()); // last reader of r: a background model's step reuses it
        reports.noteDrift(modelId, watch.monitor);
      }
      if (s.interval.batches >= spec.metricsEveryBatches()) {
        out.collect(report(s));
      }
      String origin = DriftWatch.swapOrigin(watch, s);
      if (cadence.due(s, false, origin != null)) {
        snapshot(s, trainer, cfg, ctx, origin);
      }
    }
    state.update(slot);
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
    reports.inputEnded(s.modelId);
    if (s.interval.batches > 0 || s.interval.rejected > 0 || !events.pending().isEmpty()) {
      out.collect(report(s));
    }
    if (cfg >= 0 && cadence.due(s, true, false)) {
      snapshot(s, slots.trainer(cfg), cfg, ctx, null);
    }
    state.update(slot);
  }

  private TrainingMetrics report(TrainerState s) throws Exception {
    TrainingMetrics m = reports.report(s, events.pending());
    m.setDrift(drift.report(spec.configIndex(s.modelId), s));
    events.clear();
    return m;
  }

  /** Publishes a due snapshot ({@code origin}: set when a drift reaction replaced the parameters). */
  @SuppressWarnings("unchecked")
  private void snapshot(TrainerState s, ModelTrainer trainer, int cfg, Context ctx, String origin) throws Exception {
    Map<String, ?> modelSpec = (Map<String, ?>) spec.configMap(cfg).get("model");
    if (!Snapshots.publishIfFinite(s, trainer.model(), modelSpec, origin, p -> ctx.output(snapshotTag, p))) {
      events.core.add(TrainerEvent.snapshotWithheld(s.step));
      events.flush(s);
    }
  }
}
