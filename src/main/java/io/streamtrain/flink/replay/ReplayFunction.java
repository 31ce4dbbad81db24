package io.streamtrain.flink.replay;

import io.streamtrain.avro.EvaluationResult;
import io.streamtrain.core.eval.EvalPoint;
import io.streamtrain.core.eval.Prequential;
import io.streamtrain.core.train.TrainingConfig;
import io.streamtrain.flink.training.SampleRecord;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by (configuration, model id): feeds the key's samples, in arrival order, to its core {@link Prequential}
 * (test-then-train, or holdout scoring) and emits its points as {@link EvaluationResult}s; at the end of the
 * bounded input (the final watermark) finishes the evaluation, emits the last point and the final parameters
 * ({@link FinalModel}, side output). The evaluations live in this function's memory, not in Flink state: a replay
 * is bounded and deterministic, so a failed one is simply run again (the job runs without checkpoints).
 */
public final class ReplayFunction extends KeyedProcessFunction<String, SampleRecord, EvaluationResult> {
  private static final long serialVersionUID = 1L;
  public static final OutputTag<FinalModel> FINAL = new OutputTag<>("final-models", FinalModel.TYPE);

  private final ReplayPlan plan;
  private transient Map<String, Prequential> evaluations;
  private transient Collector<EvaluationResult> out;

  public ReplayFunction(ReplayPlan plan) {
    this.plan = plan;
  }

  @Override
  public void open(OpenContext ctx) {
    evaluations = new HashMap<>();
  }

  @Override
  public void processElement(SampleRecord r, Context ctx, Collector<EvaluationResult> collector) {
    out = collector;
    String key = ctx.getCurrentKey();
    Prequential p = evaluations.get(key);
    if (p == null) {
      p = create(r.configIndex, r.example.modelId());
      evaluations.put(key, p);
      ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }
    p.accept(r.example, r.partition);
  }

  private Prequential create(int c, String modelId) {
    Prequential p = createEvaluation(c, modelId);
    if (plan.trainSamples() >= 0) {
      p.testAfter(plan.trainSamples());
    }
    return p;
  }

  private Prequential createEvaluation(int c, String modelId) {
    String name = plan.evaluationName(c);
    if (plan.isHoldout()) {
      return Prequential.holdout(name, modelId, plan.newHoldoutModel(), plan.holdoutParams.clone(),
          plan.holdoutBuffers.clone(), plan.metrics, this::emit);
    }
    if (c == plan.size()) {
      // The baseline validates samples as the first configuration that trains this model id does.
      for (int i = 0; i < plan.size(); i++) {
        TrainingConfig cfg = plan.route(i, modelId);
        if (cfg != null) {
          return Prequential.baseline(name, modelId, cfg, plan.metrics, plan.delay, this::emit);
        }
      }
      throw new IllegalStateException("baseline routed for untrained model id " + modelId);
    }
    TrainingConfig cfg = plan.route(c, modelId);
    if (cfg != null && plan.parallel(c).enabled()) {
      return Prequential.parallel(name, modelId, cfg, plan.parallel(c), plan.partitions(), plan.metrics, this::emit);
    }
    Prequential p = Prequential.prequential(name, modelId, cfg, plan.metrics, plan.delay, this::emit)
        .withDrift(cfg == null ? null : plan.drift(c, modelId));
    io.streamtrain.flink.training.WarmStarts.Initial init = cfg == null ? null : plan.warmStart(c, modelId);
    if (init != null) {
      // As the training job: the model starts from the warm start's parameters, optimizer and schedule fresh.
      p.state().warmStart(init.params(), init.buffers(), init.version());
    }
    return p;
  }

  private void emit(EvalPoint p) {
    out.collect(EvaluationRecords.of(p, plan.name, plan.sourceTopic, plan.holdoutVersion));
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<EvaluationResult> collector) {
    out = collector;
    Prequential p = evaluations.remove(ctx.getCurrentKey());
    if (p == null) {
      return;
    }
    p.finish();
    FinalModel m = new FinalModel();
    m.config = p.configName();
    m.modelId = p.modelId();
    m.params = p.params().clone();
    m.rejected = p.rejected();
    if (p.state() != null) {
      m.steps = p.state().step;
      m.samplesTrained = p.state().samplesSeen;
    }
    ctx.output(FINAL, m);
  }
}
