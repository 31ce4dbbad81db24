package io.streamtrain.flink.serving;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.Prediction;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.job.ServeSpec;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.OutputTag;

/**
 * The serve job: scoring requests in, predictions out, exactly once, with the latest version of each model.
 *
 * <pre>
 * requests topic ── KafkaSource (offsets in checkpoints) ── RequestDeserializer ── keyBy(model id) ─┐
 * model topic ── KafkaSource (earliest, read_committed) ── keyBy(model id) VersionAssembler ──      │
 *     broadcast(complete, verified versions) ───────────────────────────────── ServeFunction ◄───────┘
 *        ├──► predictions topic (Prediction, transactional sink)
 *        └──► rejected topic (RejectedSample: UNDECODABLE, NO_MODEL_VERSION, WAIT_LIMIT, feature reasons)
 * </pre>
 *
 * Sources and sinks are inputs ({@link KafkaServeIo} makes the Kafka ones), so tests can hand in their own.
 */
public final class ServeJob {
  public static final OutputTag<RejectedSample> REJECTED =
      new OutputTag<>("rejected", new AvroTypeInfo<>(RejectedSample.class));

  /** The job's outputs. */
  public record Sinks(Sink<Prediction> predictions, Sink<RejectedSample> rejected) {}

  private final ServeSpec spec;
  private final Source<RequestRecord, ?, ?> requests;
  private final Source<ModelSnapshot, ?, ?> models;
  private final Sinks sinks;

  public ServeJob(ServeSpec spec, Source<RequestRecord, ?, ?> requests, Source<ModelSnapshot, ?, ?> models,
      Sinks sinks) {
    this.spec = spec;
    this.requests = requests;
    this.models = models;
    this.sinks = sinks;
  }

  /** Checkpointing (the sinks commit with it), object reuse, no Kryo, the spec's checkpoint storage. */
  public static void configure(StreamExecutionEnvironment env, ServeSpec spec) {
    io.streamtrain.flink.training.TrainingJob.configure(env, spec.checkpointIntervalMs(), spec.checkpointStorage());
  }

  public void build(StreamExecutionEnvironment env) {
    AvroTypeInfo<ModelSnapshot> snapshotType = new AvroTypeInfo<>(ModelSnapshot.class);
    BroadcastStream<ModelSnapshot> versions = env
        .fromSource(models, WatermarkStrategy.noWatermarks(), "model-topic").uid("models-source")
        .returns(snapshotType)
        .keyBy(ModelSnapshot::getModelId, Types.STRING)
        .process(new VersionAssembler()).returns(snapshotType).name("assemble-versions").uid("assembler")
        .broadcast(ServeFunction.VERSIONS);
    DataStream<RequestRecord> in = env
        .fromSource(requests, WatermarkStrategy.noWatermarks(), "requests").uid("requests-source")
        .returns(RequestRecord.TYPE);
    SingleOutputStreamOperator<Prediction> predictions = in
        .keyBy(r -> r.example.modelId(), Types.STRING)
        .connect(versions)
        .process(new ServeFunction(spec, REJECTED))
        .returns(new AvroTypeInfo<>(Prediction.class))
        .name("serve")
        .uid("serve");
    predictions.sinkTo(sinks.predictions()).name("predictions-sink").uid("predictions-sink");
    predictions.getSideOutput(REJECTED).sinkTo(sinks.rejected()).name("rejected-sink").uid("rejected-sink");
  }
}
