package io.streamtrain.flink.parallel;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.parallel.ParallelConfig;
import io.streamtrain.core.parallel.RoundStats;
import io.streamtrain.core.parallel.ShardUpdate;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.SnapshotCadence;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.flink.training.Snapshots;
import io.streamtrain.flink.training.TrainerSlot;
import io.streamtrain.job.JobSpec;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by model id: keeps the merged (global) model, adding each merged round once all its shards are in, and
 * reports every round ({@link TrainingMetrics} of the global model: the round's samples and progressive loss, a
 * {@code merged_round} event with per-worker samples and the longest merge wait) and publishes a snapshot of the
 * global model on the training job's snapshot cadence ({@link SnapshotCadence}: summed optimizer steps and event time)
 * and at the final round. Notes whether the model
 * is active or done on {@link #PROGRESS} for the end of a bounded job. Its second input ({@link SourceNote}) goes into
 * the reports: the readers' consumer lag per worker ({@code consumer_lag} the sum, the event's message per worker)
 * and the samples of the model rejected at validation ({@code rejected_samples}, counted in state).
 */
public final class PublisherFunction extends KeyedCoProcessFunction<String, ShardUpdate, SourceNote, TrainingMetrics> {
  private static final long serialVersionUID = 1L;
  /** "+model" when a model's first round is applied, "-model" when its last is. */
  public static final OutputTag<String> PROGRESS = new OutputTag<>("round-progress",
      org.apache.flink.api.common.typeinfo.Types.STRING);

  private final Map<String, Object> specMap;
  private final ParallelConfig par;
  private final OutputTag<ModelSnapshot> snapshots;
  private transient JobSpec spec;
  private transient SnapshotCadence cadence;
  private transient ValueState<ParallelSlots.Global> state;
  /** The reports' wall-clock figures and consumer lag per worker (operator memory, never state). */
  private transient RoundReports reports;

  public PublisherFunction(Map<String, Object> specMap, ParallelConfig par, OutputTag<ModelSnapshot> snapshots) {
    this.specMap = specMap;
    this.par = par;
    this.snapshots = snapshots;
  }

  @Override
  public void open(OpenContext ctx) {
    spec = JobSpec.fromMap(specMap);
    cadence = new SnapshotCadence(spec.snapshotEverySteps(), spec.snapshotEveryEventTimeMs());
    state = getRuntimeContext().getState(new ValueStateDescriptor<>("parallel-global",
        new ParallelSlots.GlobalSerializer()));
    reports = new RoundReports(par.workers());
  }

  @Override
  public void processElement2(SourceNote n, Context ctx, Collector<TrainingMetrics> out) throws Exception {
    if (n.isRejection()) {
      ParallelSlots.Global g = global(ctx.getCurrentKey());
      g.model.state.noteRejected(n.rejected()); // reported as rejected_samples from the next round on
      state.update(g);
    } else {
      reports.lags().update(n);
    }
  }

  private ParallelSlots.Global global(String modelId) throws Exception {
    ParallelSlots.Global g = state.value();
    if (g == null) {
      int cfg = spec.configIndex(modelId);
      g = new ParallelSlots.Global(par, TrainerSlot.canonicalJson(spec.configMap(cfg)), modelId);
    }
    return g;
  }

  @Override
  public void processElement1(ShardUpdate u, Context ctx, Collector<TrainingMetrics> out) throws Exception {
    String modelId = ctx.getCurrentKey();
    ParallelSlots.Global global = global(modelId);
    global.model.accept(u, (round, stats, last) -> {
      if (round == 0) {
        ctx.output(PROGRESS, "+" + modelId);
      }
      RoundStats s = stats != null ? stats : RoundStats.empty(par.workers());
      double mean = s.meanLoss();
      if (Double.isFinite(mean)) {
        // The global model's own smoothed loss (TrainerState.smoothedLoss), over the rounds' mean losses.
        TrainerState gs = global.model.state;
        gs.lossEma = ModelTrainer.LOSS_EMA_BETA * gs.lossEma + (1 - ModelTrainer.LOSS_EMA_BETA) * mean;
        gs.lossEmaCount++;
      }
      TrainerState st = global.model.state;
      if (s.maxEventTime() > st.maxEventTime) {
        st.maxEventTime = s.maxEventTime();
      }
      if (cadence.due(st, last, false)) {
        @SuppressWarnings("unchecked")
        Map<String, ?> modelSpec = (Map<String, ?>) spec.configMap(spec.configIndex(modelId)).get("model");
        // Stamped with the data's event time (never the wall clock or a Kafka timestamp): the same on every run.
        Snapshots.publishIfFinite(st, global.trainer.model(), modelSpec, null, p -> ctx.output(snapshots, p));
      }
      if (s.samples() > 0 || !last) {
        out.collect(reports.report(st, round, s, last));
      }
      if (last) {
        ctx.output(PROGRESS, "-" + modelId);
      }
    });
    state.update(global);
  }
}
