package io.streamtrain.flink.training;

import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.events.InputSpec;
import io.streamtrain.job.JobSpec;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The samples of a job with delayed labels ({@code input.labels}): features events and label events from two
 * sources, decoded ({@link JoinDeserializer}), joined by key in event time ({@link LabelJoinFunction}), and put
 * in an arrival-independent order per model id ({@link DecisionOrderFunction}); records that do not map, and late
 * ones, are in the same stream as rejected {@link SampleRecord}s. Both sources are watermarked with the same
 * bounded out-of-orderness; what comes out is what the training job's validation takes from its usual source.
 */
public final class LabelJoinStream {
  static final OutputTag<SampleRecord> REJECTED = new OutputTag<>("join-rejected", SampleRecord.TYPE);
  private final InputSpec input;
  private final Source<JoinRecord, ?, ?> features;
  private final Source<JoinRecord, ?, ?> labels;

  /** Both sources watermarked with {@code input.labels.out_of_orderness_ms}. */
  public LabelJoinStream(InputSpec input, Source<JoinRecord, ?, ?> features, Source<JoinRecord, ?, ?> labels) {
    this.input = input;
    this.features = features;
    this.labels = labels;
  }

  /** The job's features topic (topics.samples) and labels topic, read as the job reads its samples topic. */
  public static LabelJoinStream kafka(JobSpec spec, KafkaSettings kafka) {
    InputSpec in = spec.input();
    return new LabelJoinStream(in,
        KafkaTrainingIo.source(spec, kafka, spec.topics().samples(), new JoinDeserializer(in, false)),
        KafkaTrainingIo.source(spec, kafka, in.labels().topic(), new JoinDeserializer(in, true)));
  }

  public DataStream<SampleRecord> build(StreamExecutionEnvironment env) {
    // Records that did not map carry no event time: they must not move the watermark.
    WatermarkStrategy<JoinRecord> watermarks = WatermarkStrategy
        .<JoinRecord>forBoundedOutOfOrderness(Duration.ofMillis(input.labels().outOfOrdernessMs()))
        .withTimestampAssigner((r, ts) -> r.kind == JoinRecord.REJECTED ? Long.MIN_VALUE : r.example.eventTime());
    SingleOutputStreamOperator<JoinRecord> f = env.fromSource(features, watermarks, "features")
        .uid("features-source").returns(JoinRecord.TYPE)
        .process(new SplitRejected()).returns(JoinRecord.TYPE).name("features-decode").uid("features-decode");
    SingleOutputStreamOperator<JoinRecord> l = env.fromSource(labels, watermarks, "labels")
        .uid("labels-source").returns(JoinRecord.TYPE)
        .process(new SplitRejected()).returns(JoinRecord.TYPE).name("labels-decode").uid("labels-decode");
    SingleOutputStreamOperator<JoinRecord> joined = f.connect(l)
        .keyBy(r -> r.key, r -> r.key, Types.STRING)
        .process(new LabelJoinFunction(input.labels(), REJECTED)).returns(JoinRecord.TYPE)
        .name("label-join").uid("label-join");
    SingleOutputStreamOperator<SampleRecord> ordered = joined
        .keyBy(r -> r.example.modelId(), Types.STRING)
        .process(new DecisionOrderFunction()).returns(SampleRecord.TYPE)
        .name("label-join-order").uid("label-join-order");
    return ordered.union(f.getSideOutput(REJECTED), l.getSideOutput(REJECTED), joined.getSideOutput(REJECTED));
  }

  /** Rejected records to the side output, the rest on; chained to the source. */
  static final class SplitRejected extends ProcessFunction<JoinRecord, JoinRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(JoinRecord r, Context ctx, Collector<JoinRecord> out) {
      if (r.kind == JoinRecord.REJECTED) {
        ctx.output(REJECTED, r.rejected);
      } else {
        out.collect(r);
      }
    }
  }
}
