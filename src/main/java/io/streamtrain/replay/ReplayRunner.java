package io.streamtrain.replay;

import io.streamtrain.flink.replay.HoldoutModel;
import io.streamtrain.avro.EvaluationResult;
import io.streamtrain.core.SpecException;
import io.streamtrain.flink.replay.FinalModel;
import io.streamtrain.flink.replay.ReplayJob;
import io.streamtrain.flink.replay.ReplayOutput;
import io.streamtrain.flink.replay.ReplayPlan;
import io.streamtrain.flink.training.AvroRecordSerializer;
import io.streamtrain.flink.training.SampleRecord;
import io.streamtrain.flink.training.WarmStarts;
import io.streamtrain.io.KafkaSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * Runs a replay spec as a bounded Flink job in an embedded MiniCluster: resolves the holdout model (if any),
 * builds the source (Kafka range or file), the {@link ReplayJob} graph and the evaluation-topic sink, runs it,
 * and collects every evaluation point and final model back to the client for the report and charts. The job is
 * not checkpointed, so its Kafka sink is at-least-once (flushed at the end of input); a rerun gives the same
 * records.
 */
public final class ReplayRunner {
  private ReplayRunner() {}

  public static ReplayPlan plan(ReplaySpec spec, KafkaSettings kafka) {
    return plan(spec, kafka, -1);
  }

  /** The plan, with a test split after {@code trainSamples} samples of each model id (-1: none). */
  public static ReplayPlan plan(ReplaySpec spec, KafkaSettings kafka, long trainSamples) {
    String topic = spec.source().topic() != null ? spec.source().topic() : spec.source().file().toString();
    if (spec.holdoutMode()) {
      ReplaySpec.Holdout h = spec.holdout();
      HoldoutModel m = Holdouts.resolve(h, kafka);
      return ReplayPlan.holdout(spec.name(), topic, spec.metrics(), m.name(), h.modelId(), m.version(), m.model(),
          m.params(), m.buffers()).withTestAfter(trainSamples);
    }
    List<String> names = new ArrayList<>();
    List<Map<String, Object>> maps = new ArrayList<>();
    List<WarmStarts> warm = new ArrayList<>();
    for (ReplaySpec.Config c : spec.configs()) {
      names.add(c.name());
      maps.add(c.job().raw());
      if (c.job().warmStart() != null && kafka == null) {
        throw new SpecException("configs." + c.name() + ".warm_start", c.job().warmStart().topic(),
            "needs Kafka settings (--bootstrap) to read the model topic");
      }
      warm.add(WarmStarts.load(c.job(), kafka));
    }
    return ReplayPlan.prequential(spec.name(), topic, spec.metrics(), spec.labelDelay(), names, maps)
        .withWarmStarts(warm).withBaseline(spec.baseline()).withTestAfter(trainSamples);
  }

  public static ReplayOutcome run(ReplaySpec spec, KafkaSettings kafka, Consumer<String> log) throws Exception {
    if (spec.source().topic() != null && kafka == null) {
      throw new SpecException("source.topic", spec.source().topic(), "needs Kafka settings (--bootstrap)");
    }
    ReplaySources.FileSamples file = null;
    if (spec.source().file() != null) {
      List<String> malformed = new ArrayList<>();
      file = ReplaySources.layout(spec, malformed);
      malformed.forEach(m -> log.accept("malformed: " + m));
      if (file.records().isEmpty()) {
        throw new SpecException("source.file", spec.source().file(), "a file with at least one well-formed sample");
      }
      ReplaySpec.FileRun run = spec.source().run();
      if (run.passes() > 1 || run.hasSplit()) {
        log.accept(file.trainRows() + " training rows x " + run.passes() + " pass" + (run.passes() > 1 ? "es" : "")
            + (run.hasSplit() ? ", then " + file.testRows() + " test rows scored only" : ""));
      }
    }
    ReplayPlan plan = plan(spec, kafka, file == null ? -1 : file.trainSamples());
    if (plan.maxWorkers() > 1) {
      plan.withPartitions(file != null ? dealRows(file.records(), plan.maxWorkers())
          : io.streamtrain.flink.training.LabelJoinStream.partitions(kafka, spec.source().topic()));
      if (plan.partitions() < plan.maxWorkers()) {
        throw new SpecException("parallel.workers", plan.maxWorkers(), "at most the " + plan.partitions()
            + " partitions of source.topic '" + spec.source().topic() + "': a worker owns whole partitions");
      }
    }
    Configuration conf = new Configuration();
    // A replay is bounded and rerunnable: a failure is reported, not retried.
    conf.setString("restart-strategy.type", "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(spec.parallelism(), conf);
    env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
    ReplayJob.configure(env);
    DataStream<SampleRecord> samples;
    if (spec.source().topic() != null && spec.input().labels() != null) {
      // Delayed labels: the join orders each model's samples by event time, whatever the readers' interleaving.
      samples = ReplaySources.joined(spec, kafka).build(env);
    } else if (spec.source().topic() != null) {
      // One reader for all partitions: every configuration then receives the samples in one and the same order
      // (a fair comparison even when a model id spans partitions); a model id kept in one partition, as keyed
      // producers do, arrives in exactly its partition's order, as in the training job.
      samples = env.fromSource(ReplaySources.kafka(spec, kafka), ReplayJob.watermarks(), "replay-source")
          .setParallelism(1)
          .uid("replay-source");
    } else {
      samples = env.fromData(file.records(), SampleRecord.TYPE).setParallelism(1)
          .assignTimestampsAndWatermarks(ReplayJob.watermarks()).setParallelism(1);
    }
    ReplayJob.Outputs outputs = new ReplayJob(plan).build(samples);
    if (spec.outputTopic() != null) {
      outputs.results().sinkTo(evaluationSink(spec, kafka)).name("evaluation-sink").uid("evaluation-sink");
    }
    long t0 = System.nanoTime();
    // executeAndCollect keeps the local cluster up until the iterator has every record (a collectAsync iterator
    // drained after executeAsync can race the cluster's shutdown).
    CloseableIterator<ReplayOutput> collected = outputs.merged().executeAndCollect("streamtrain-replay-" + spec.name());
    List<EvaluationResult> rs = new ArrayList<>();
    List<FinalModel> fs = new ArrayList<>();
    ReplayOutput.FinalAssembler finals = new ReplayOutput.FinalAssembler();
    try (collected) {
      while (collected.hasNext()) {
        ReplayOutput o = collected.next();
        if (o.result != null) {
          rs.add(EvaluationResult.newBuilder(o.result).build());
        } else {
          // The assembler copies each part into its own array: the iterator may reuse what it returned.
          FinalModel m = finals.add(o);
          if (m != null) {
            fs.add(m);
          }
        }
      }
    }
    long elapsed = System.nanoTime() - t0;
    checkComplete(rs, fs);
    return new ReplayOutcome(rs, fs, elapsed);
  }

  /**
   * A file's rows dealt to {@code n} partitions, row i (every pass and test row counted) to partition i % n, so
   * data-parallel configurations have partitions to give their workers; returns n.
   */
  private static int dealRows(List<SampleRecord> records, int n) {
    for (int i = 0; i < records.size(); i++) {
      records.get(i).partition = i % n;
    }
    return n;
  }

  private static KafkaSink<EvaluationResult> evaluationSink(ReplaySpec spec, KafkaSettings kafka) {
    Properties props = kafka.toProperties(Map.of("compression.type", "lz4", "linger.ms", "5"));
    return KafkaSink.<EvaluationResult>builder()
        .setBootstrapServers(kafka.bootstrapServers())
        .setKafkaProducerConfig(props)
        .setRecordSerializer(new AvroRecordSerializer<>(spec.outputTopic(), EvaluationResult.class,
            r -> r.getConfigName() + "/" + r.getModelId())
            .withMaxRecordBytes(AvroRecordSerializer.maxRecordBytes(props), null))
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .build();
  }

  /**
   * Every evaluated (configuration, model id) must have delivered its final point and its final model; anything
   * less means output was lost on the way back to the client, and a partial report would mislead.
   */
  static void checkComplete(List<EvaluationResult> results, List<FinalModel> finals) {
    java.util.Set<String> finalPoints = new java.util.TreeSet<>();
    java.util.Set<String> keys = new java.util.TreeSet<>();
    for (EvaluationResult r : results) {
      String k = r.getConfigName() + "/" + r.getModelId();
      keys.add(k);
      if (io.streamtrain.flink.replay.EvaluationRecords.isFinal(r)) {
        finalPoints.add(k);
      }
    }
    java.util.Set<String> models = new java.util.TreeSet<>();
    finals.forEach(m -> models.add(m.config + "/" + m.modelId));
    if (!finalPoints.equals(keys) || !models.equals(keys)) {
      throw new IllegalStateException("replay output incomplete: evaluated " + keys + ", final points " + finalPoints
          + ", final models " + models);
    }
  }
}
