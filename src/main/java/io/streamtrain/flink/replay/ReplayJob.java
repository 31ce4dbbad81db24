package io.streamtrain.flink.replay;

import io.streamtrain.avro.EvaluationResult;
import io.streamtrain.flink.training.SampleRecord;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The replay evaluation graph: replayed samples -> fan-out to the configurations -> keyBy(configuration, model
 * id) -> prequential or holdout evaluation -> {@link EvaluationResult}s (main output) and {@link FinalModel}s
 * (side output {@link ReplayFunction#FINAL}). The samples stream is an input (a bounded Kafka range or a file),
 * so tests hand in their own; the fan-out runs at the source's parallelism, chained to it, so one model id's
 * samples reach its evaluation in the order its source split read them.
 */
public final class ReplayJob {
  /** The two outputs. */
  public record Outputs(DataStream<EvaluationResult> results, DataStream<FinalModel> finals) {
    /** Both outputs as one stream, for a single collect sink. */
    public DataStream<ReplayOutput> merged() {
      return results.map(ReplayOutput::of).returns(ReplayOutput.TYPE).name("wrap-results")
          .union(finals.flatMap(ReplayOutput::split).returns(ReplayOutput.TYPE).name("wrap-finals"));
    }
  }

  private final ReplayPlan plan;

  public ReplayJob(ReplayPlan plan) {
    this.plan = plan;
  }

  /** Event time is the sample's own, as in the training job; the final watermark ends every evaluation. */
  public static WatermarkStrategy<SampleRecord> watermarks() {
    return WatermarkStrategy.<SampleRecord>forBoundedOutOfOrderness(Duration.ZERO)
        .withTimestampAssigner((r, ts) -> r.example.eventTime());
  }

  /** No checkpoints (bounded and rerunnable), object reuse, no generic types. */
  public static void configure(StreamExecutionEnvironment env) {
    env.getConfig().enableObjectReuse();
    org.apache.flink.configuration.Configuration c = new org.apache.flink.configuration.Configuration();
    c.set(org.apache.flink.configuration.PipelineOptions.GENERIC_TYPES, false);
    env.configure(c);
  }

  public Outputs build(DataStream<SampleRecord> samples) {
    SingleOutputStreamOperator<SampleRecord> routed = samples
        .flatMap(new ReplayFanOut(plan))
        .returns(SampleRecord.TYPE)
        .setParallelism(samples.getParallelism())
        .name("fan-out")
        .uid("replay-fan-out");
    SingleOutputStreamOperator<EvaluationResult> results = routed
        .keyBy(r -> r.configIndex + "\u0000" + r.example.modelId(), Types.STRING)
        .process(new ReplayFunction(plan))
        .returns(new AvroTypeInfo<>(EvaluationResult.class))
        .name("evaluate")
        .uid("replay-evaluate");
    return new Outputs(results, results.getSideOutput(ReplayFunction.FINAL));
  }
}
