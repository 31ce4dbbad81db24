package io.streamtrain.flink.training;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.job.JobSpec;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.OutputTag;

/**
 * The training pipeline: samples -> decode and validate (rejects to their sink) -> keyBy(model id) -> shuffled
 * mini-batches -> optimizer step per batch -> metrics, model snapshots and rejected samples to their sinks.
 * Sources and sinks are inputs, so the same graph runs against Kafka in production and against test sources and
 * sinks in tests; {@link KafkaTrainingIo} builds the Kafka ones. {@link #build} adds the graph to an environment
 * and configures nothing else about it (checkpointing is the caller's, see {@link #configure}).
 */
public final class TrainingJob {
  /** Where the three outputs go. */
  public record Sinks(Sink<TrainingMetrics> metrics, Sink<ModelSnapshot> snapshots, Sink<RejectedSample> rejected) {}

  /** Operator uid of the trainer: savepoints carry its keyed state under this id, so it never changes. */
  public static final String TRAINER_UID = "trainer";
  public static final OutputTag<RejectedSample> REJECTED =
      new OutputTag<>("rejected", new AvroTypeInfo<>(RejectedSample.class));
  public static final OutputTag<ModelSnapshot> SNAPSHOTS =
      new OutputTag<>("snapshots", new AvroTypeInfo<>(ModelSnapshot.class));

  private final JobSpec spec;
  private final Source<SampleRecord, ?, ?> source;
  private final Sinks sinks;
  private java.util.function.UnaryOperator<org.apache.flink.streaming.api.datastream.DataStream<MiniBatch>>
      batchInterceptor = java.util.function.UnaryOperator.identity();
  private EndOffsets endOffsets;
  private long lagIntervalMs = ValidateFunction.LAG_INTERVAL_MS;
  private WarmStarts warmStarts;
  private java.util.function.Function<StreamExecutionEnvironment, DataStream<SampleRecord>> samples;
  private DataParallel.Graph dataParallel;
  private java.util.function.UnaryOperator<org.apache.flink.streaming.api.datastream.DataStream<SampleRecord>>
      sampleInterceptor = java.util.function.UnaryOperator.identity();

  public TrainingJob(JobSpec spec, Source<SampleRecord, ?, ?> source, Sinks sinks) {
    this.spec = spec;
    this.source = source;
    this.sinks = sinks;
  }

  /**
   * Puts a chained, non-keyed step between the batcher and the trainer, e.g. a fault injector in recovery tests.
   * It must keep the stream partitioned as it is (a map or filter, no rebalance).
   */
  public TrainingJob withBatchInterceptor(
      java.util.function.UnaryOperator<org.apache.flink.streaming.api.datastream.DataStream<MiniBatch>> f) {
    this.batchInterceptor = f;
    return this;
  }

  /**
   * Measures consumer lag against {@code endOffsets} (the samples topic's end offsets; {@link KafkaTrainingIo}
   * passes its Kafka one) every {@code intervalMs}, reported as {@code consumer_lag} in the metrics. Without it the
   * field stays null.
   */
  public TrainingJob withConsumerLag(EndOffsets endOffsets, long intervalMs) {
    this.endOffsets = endOffsets;
    this.lagIntervalMs = intervalMs;
    return this;
  }

  /**
   * Initial models for models that have no state in this job yet (the spec's {@code warm_start}, resolved by
   * {@link WarmStarts#load}); null: every model starts from its initializer.
   */
  public TrainingJob withWarmStarts(WarmStarts w) {
    this.warmStarts = w;
    return this;
  }

  /**
   * Takes the samples from the stream {@code f} builds (with its own timestamps and watermarks; e.g. features
   * joined with delayed labels, {@link LabelJoinStream}) instead of the source.
   */
  public TrainingJob withSamples(java.util.function.Function<StreamExecutionEnvironment, DataStream<SampleRecord>> f) {
    this.samples = f;
    return this;
  }

  /** The graph of a data-parallel spec ({@code parallel.workers > 1}); {@link KafkaTrainingIo} passes Kafka's. */
  public TrainingJob withDataParallel(DataParallel.Graph graph) {
    this.dataParallel = graph;
    return this;
  }

  /**
   * Data-parallel jobs: a chained, non-keyed step on the validated samples before they are routed to the workers,
   * e.g. a fault injector in recovery tests (a map or filter, no rebalance).
   */
  public TrainingJob withSampleInterceptor(
      java.util.function.UnaryOperator<org.apache.flink.streaming.api.datastream.DataStream<SampleRecord>> f) {
    this.sampleInterceptor = f;
    return this;
  }

  /** Checkpointing (exactly-once, the spec's interval), object reuse, no generic types. */
  /**
   * The write buffer of checkpoint files (Flink's default is 4 KiB): model-sized state (a 2^18-slot model is 2 MB an
   * array, a data-parallel worker checkpoints several) otherwise goes out in one write call per 4 KiB. Set while
   * tracing the data-parallel workers' system time (3-8 times the single trainer's); no change of it could be shown
   * (docs/benchmarks.md, "Held samples as bytes, bulk state writes, and the marginal cost").
   */
  public static final int STATE_WRITE_BUFFER = 1 << 20;

  public static void configure(StreamExecutionEnvironment env, JobSpec spec) {
    configure(env, spec.checkpointIntervalMs(), spec.checkpointStorage());
  }

  /**
   * Checkpoints every {@code intervalMs} (the exactly-once sinks commit with them) in {@code storage} (null: the
   * environment's default), object reuse, no Kryo: what every streamtrain job (training, serve) runs with.
   */
  public static void configure(StreamExecutionEnvironment env, long intervalMs, String storage) {
    env.enableCheckpointing(intervalMs);
    env.getConfig().enableObjectReuse();
    // Every type on the wire and in state has its own serializer: a Kryo fallback would be a bug.
    org.apache.flink.configuration.Configuration c = new org.apache.flink.configuration.Configuration();
    c.set(org.apache.flink.configuration.PipelineOptions.GENERIC_TYPES, false);
    c.set(org.apache.flink.configuration.CheckpointingOptions.FS_WRITE_BUFFER_SIZE, STATE_WRITE_BUFFER);
    if (storage != null) {
      // The spec's checkpoint.storage wherever the job runs (bin/streamtrain also sets it for the MiniCluster).
      c.set(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
      c.set(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTS_DIRECTORY, storage);
    }
    env.configure(c);
  }

  public void build(StreamExecutionEnvironment env) {
    Map<String, Object> specMap = spec.raw();
    WatermarkStrategy<SampleRecord> watermarks =
        WatermarkStrategy.<SampleRecord>forBoundedOutOfOrderness(Duration.ofMillis(spec.outOfOrdernessMs()))
            .withTimestampAssigner((r, ts) -> r.example.eventTime());
    DataStream<SampleRecord> in = samples != null ? samples.apply(env)
        : env.fromSource(source, watermarks, "samples").uid("samples-source").returns(SampleRecord.TYPE);
    SingleOutputStreamOperator<SampleRecord> validated =
        in.process(new ValidateFunction(specMap, REJECTED, endOffsets, lagIntervalMs))
            .returns(SampleRecord.TYPE)
            .name("decode-validate")
            .uid("validate");
    if (spec.parallel().enabled()) {
      if (dataParallel == null) {
        throw new IllegalStateException("a data-parallel job needs its graph (withDataParallel)");
      }
      DataParallel.Outputs p = dataParallel.build(env, spec, sampleInterceptor.apply(validated), SNAPSHOTS,
          REJECTED);
      p.metrics().sinkTo(sinks.metrics()).name("metrics-sink").uid("metrics-sink");
      p.metrics().getSideOutput(SNAPSHOTS).sinkTo(sinks.snapshots()).name("snapshot-sink").uid("snapshot-sink");
      validated.getSideOutput(REJECTED).union(p.rejected())
          .sinkTo(sinks.rejected()).name("rejected-sink").uid("rejected-sink");
      return;
    }
    KeyedStream<SampleRecord, String> keyed;
    if (env.getParallelism() == 1 && spec.parallelism() == 1) {
      // One subtask owns every key group: the stream is already partitioned by model id, so reinterpreting it as
      // keyed is exact, and the source, validation, batcher and trainer chain into one thread with no network
      // hop, no serialization and no chunking between them (the same samples in the same order as through the
      // keyBy, so the same batches and parameters).
      keyed = DataStreamUtils.reinterpretAsKeyedStream(validated, r -> r.example.modelId(), Types.STRING);
    } else {
      // Good samples cross the keyBy in chunks of one model's consecutive samples (no state: a chunk never spans
      // a checkpoint barrier), so the batcher does not allocate per sample; see SampleChunker for the order kept.
      keyed = validated
          .transform("chunk-samples", SampleRecord.TYPE, new SampleChunker())
          .uid("chunker")
          .keyBy(r -> r.example.modelId(), Types.STRING);
    }
    SingleOutputStreamOperator<MiniBatch> batches =
        keyed
            .process(new MiniBatcherFunction(specMap, REJECTED))
            .returns(MiniBatch.TYPE)
            .name("mini-batcher")
            .uid("batcher");
    // Batches leave the batcher in the key context they were made in: the stream is still partitioned by model
    // id, so reinterpreting it as keyed is exact and spares a second network shuffle.
    SingleOutputStreamOperator<TrainingMetrics> metrics =
        DataStreamUtils.reinterpretAsKeyedStream(batchInterceptor.apply(batches), b -> b.modelId, Types.STRING)
            .process(new TrainerFunction(specMap, SNAPSHOTS, warmStarts))
            .returns(new AvroTypeInfo<>(TrainingMetrics.class))
            .name("trainer")
            .uid(TRAINER_UID);
    metrics.sinkTo(sinks.metrics()).name("metrics-sink").uid("metrics-sink");
    metrics.getSideOutput(SNAPSHOTS).sinkTo(sinks.snapshots()).name("snapshot-sink").uid("snapshot-sink");
    validated.getSideOutput(REJECTED).union(batches.getSideOutput(REJECTED))
        .sinkTo(sinks.rejected()).name("rejected-sink").uid("rejected-sink");
  }
}
