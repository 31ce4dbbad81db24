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
 * bounded out-of-orderness (and, when {@code idle_timeout_ms} is set, idleness); what comes out is what the training job's validation takes from its usual source.
 */
public final class LabelJoinStream {
  static final OutputTag<SampleRecord> REJECTED = new OutputTag<>("join-rejected", SampleRecord.TYPE);
  private final InputSpec input;
  private final Source<JoinRecord, ?, ?> features;
  private final Source<JoinRecord, ?, ?> labels;
  private int featuresParallelism;
  private int labelsParallelism;

  /** Both sources watermarked with {@code input.labels.out_of_orderness_ms}. */
  public LabelJoinStream(InputSpec input, Source<JoinRecord, ?, ?> features, Source<JoinRecord, ?, ?> labels) {
    this.input = input;
    this.features = features;
    this.labels = labels;
  }

  /**
   * At most {@code features} and {@code labels} reader subtasks for the two sources (0: the environment's
   * parallelism). A reader that owns no partition sends no watermark, which holds every decision back for good:
   * give each topic's partition count.
   */
  public LabelJoinStream withSourceParallelism(int features, int labels) {
    this.featuresParallelism = features;
    this.labelsParallelism = labels;
    return this;
  }

  /**
   * The job's features topic (topics.samples) and labels topic, read as the job reads its samples topic, each
   * with at most as many readers as it has partitions (asked once, before the job starts).
   */
  public static LabelJoinStream kafka(JobSpec spec, KafkaSettings kafka) {
    InputSpec in = spec.input();
    return new LabelJoinStream(in,
        KafkaTrainingIo.source(spec, kafka, spec.topics().samples(), new JoinDeserializer(in, false)),
        KafkaTrainingIo.source(spec, kafka, in.labels().topic(), new JoinDeserializer(in, true)))
        .withSourceParallelism(partitions(kafka, spec.topics().samples()), partitions(kafka, in.labels().topic()));
  }

  /** The partition count of {@code topic}, or 0 when it does not exist (yet) or cannot be described. */
  public static int partitions(KafkaSettings kafka, String topic) {
    java.util.Properties p = kafka.toProperties(java.util.Map.of("request.timeout.ms", "10000",
        "default.api.timeout.ms", "10000"));
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(p)) {
      return io.streamtrain.io.Topics.describe(admin, topic).map(d -> d.partitions().size()).orElse(0);
    } catch (RuntimeException e) {
      return 0;
    }
  }

  public DataStream<SampleRecord> build(StreamExecutionEnvironment env) {
    // Records that did not map carry no event time: they must not move the watermark.
    WatermarkStrategy<JoinRecord> watermarks = WatermarkStrategy
        .<JoinRecord>forBoundedOutOfOrderness(Duration.ofMillis(input.labels().outOfOrdernessMs()))
        .withTimestampAssigner((r, ts) -> r.kind == JoinRecord.REJECTED ? Long.MIN_VALUE : r.example.eventTime());
    if (input.labels().idleTimeoutMs() > 0) {
      // Opt-in: a silent partition stops holding decisions back, at the price of decisions that depend on timing.
      watermarks = watermarks.withIdleness(Duration.ofMillis(input.labels().idleTimeoutMs()));
    }
    // The split of rejects runs at its source's parallelism, chained: a rebalance between them would interleave
    // one partition's records over several channels and make later ones overtake the watermark.
    int fp = readers(featuresParallelism, env);
    int lp = readers(labelsParallelism, env);
    SingleOutputStreamOperator<JoinRecord> f = env.fromSource(features, watermarks, "features")
        .setParallelism(fp).uid("features-source").returns(JoinRecord.TYPE)
        .process(new SplitRejected()).setParallelism(fp).returns(JoinRecord.TYPE).name("features-decode")
        .uid("features-decode");
    SingleOutputStreamOperator<JoinRecord> l = env.fromSource(labels, watermarks, "labels")
        .setParallelism(lp).uid("labels-source").returns(JoinRecord.TYPE)
        .process(new SplitRejected()).setParallelism(lp).returns(JoinRecord.TYPE).name("labels-decode")
        .uid("labels-decode");
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

  private static int readers(int partitions, StreamExecutionEnvironment env) {
    return partitions > 0 ? Math.min(partitions, env.getParallelism()) : env.getParallelism();
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
