package io.streamtrain.flink.parallel;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.parallel.ParallelConfig;
import io.streamtrain.core.parallel.ShardUpdate;
import io.streamtrain.flink.training.DataParallel;
import io.streamtrain.flink.training.SampleChunker;
import io.streamtrain.flink.training.SampleRecord;
import io.streamtrain.job.JobSpec;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.OutputTag;

/**
 * The data-parallel part of the training graph (spec {@code parallel.workers > 1}; docs/parallel.md): validated
 * samples -> keyBy(worker of model and partition) -> workers -> keyBy(model and shard) -> combiners -> merged rounds
 * to the rounds topic and to the publishers (keyBy model) -> metrics and snapshots of the global model. The rounds
 * topic is read back, each merged shard sent to every worker of its model. The loop goes through Kafka, so the job
 * stays a DAG and Flink's checkpoints stay aligned.
 */
public final class ParallelGraph {
  /** Where the loop's records go and come from. */
  public record Rounds(Source<ShardUpdate, ?, ?> source, Sink<ShardUpdate> sink) {}

  private ParallelGraph() {}

  /** Adds the graph. */
  public static DataParallel.Outputs build(StreamExecutionEnvironment env, JobSpec spec,
      DataStream<SampleRecord> validated, Rounds rounds, int partitions, OutputTag<ModelSnapshot> snapshots,
      OutputTag<RejectedSample> rejectedTag) {
    ParallelConfig par = spec.parallel();
    if (par.workers() > partitions) {
      throw new IllegalArgumentException("parallel.workers is " + par.workers() + " but the samples topic has "
          + partitions + " partitions: a worker owns whole partitions, so use at most " + partitions
          + " workers or add partitions to the samples topic");
    }
    for (int i = 0; i < spec.configs().size(); i++) {
      if (new io.streamtrain.core.train.ModelTrainer(spec.configs().get(i)).model().bufferLayout().size() > 0) {
        throw new IllegalArgumentException("parallel.workers is " + par.workers() + " but configuration " + i
            + " has batch normalization, whose running statistics data-parallel rounds do not merge: use workers 1"
            + " for this model, or a model without batch_norm");
      }
    }
    Map<String, Object> specMap = spec.raw();
    int workers = par.workers();
    SingleOutputStreamOperator<SampleRecord> tagged = validated.process(new PartitionTagger(workers, rejectedTag))
        .returns(SampleRecord.TYPE).name("tag-partitions").uid("parallel-tag");
    // Samples cross the keyBy in chunks of one model and one partition (no per-sample record on the other side).
    DataStream<SampleRecord> samples = tagged
        .transform("chunk-samples", SampleRecord.TYPE, SampleChunker.perPartition()).uid("parallel-chunker");
    DataStream<ShardUpdate> merged = env.fromSource(rounds.source(), endOfTime(), "rounds", Routed.UPDATE)
        .uid("rounds-source").setParallelism(1);
    DataStream<Routed> toWorkers = merged.flatMap((FlatMapFunction<ShardUpdate, Routed>) (u, out) -> {
      for (int w = 0; w < workers; w++) {
        out.collect(new Routed(Routed.workerKey(u.modelId(), w), u));
      }
    }).returns(Routed.TYPE).name("rounds-fan-out").uid("rounds-fan-out").setParallelism(1);
    SingleOutputStreamOperator<Routed> updates = samples
        .keyBy(r -> Routed.workerKey(r.example.modelId(), r.partition % workers), Types.STRING)
        .connect(toWorkers.keyBy(r -> r.key, Types.STRING))
        .process(new WorkerFunction(specMap, par, partitions))
        .returns(Routed.TYPE).name("parallel-worker").uid("parallel-worker");
    SingleOutputStreamOperator<ShardUpdate> combined = updates.keyBy(r -> r.key, Types.STRING)
        .process(new CombinerFunction(par)).returns(Routed.UPDATE).name("round-combiner").uid("round-combiner");
    DataStream<SourceNote> lags = tagged.getSideOutput(SourceNote.TAG);
    SingleOutputStreamOperator<TrainingMetrics> metrics = combined.keyBy(ShardUpdate::modelId, Types.STRING)
        .connect(lags.keyBy(SourceNote::modelId, Types.STRING))
        .process(new PublisherFunction(specMap, par, snapshots))
        .returns(new AvroTypeInfo<>(TrainingMetrics.class)).name("round-publisher").uid("round-publisher");
    DataStream<ShardUpdate> loop = combined;
    if (spec.bounded()) {
      DataStream<ShardUpdate> end = metrics.getSideOutput(PublisherFunction.PROGRESS)
          .transform("rounds-end", Routed.UPDATE, new RoundsEnd()).uid("rounds-end").setParallelism(1);
      loop = combined.union(end);
    }
    loop.sinkTo(rounds.sink()).name("rounds-sink").uid("rounds-sink");
    return new DataParallel.Outputs(metrics, tagged.getSideOutput(rejectedTag));
  }

  /** The rounds input never holds back event time: its watermark is the end of time from the start. */
  private static WatermarkStrategy<ShardUpdate> endOfTime() {
    return WatermarkStrategy.forGenerator(ctx -> new WatermarkGenerator<>() {
      @Override
      public void onEvent(ShardUpdate e, long ts, WatermarkOutput out) {}

      @Override
      public void onPeriodicEmit(WatermarkOutput out) {
        out.emitWatermark(new org.apache.flink.api.common.eventtime.Watermark(Long.MAX_VALUE));
      }
    });
  }
}
