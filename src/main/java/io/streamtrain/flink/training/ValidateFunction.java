package io.streamtrain.flink.training;

import io.streamtrain.avro.RejectedSample;
import io.streamtrain.job.JobSpec;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Validates each sample ({@link SampleValidator}: its configuration from its model id, its fit to the model's
 * input space) and routes it: records that did not decode and samples of models the job does not train go to the
 * rejected output (they have no model to count them); samples of a known model that do not fit it keep their
 * reason and travel on with the model's key, so the model's metrics count them. Nothing is dropped.
 *
 * <p>With {@link EndOffsets} (a Kafka source), each subtask also measures how far its source reader is behind
 * the end of the samples topic ({@link SourceLag}: offsets noted per record, end offsets queried off the record
 * path at most once per {@link #LAG_INTERVAL_MS}) and, whenever a new figure is in, sends a lag marker carrying
 * (its subtask index, its lag) to every model id it has accepted, keyed like the samples. The markers are
 * informational: the batcher never lets them touch batching or state.
 */
public final class ValidateFunction extends ProcessFunction<SampleRecord, SampleRecord> {
  private static final long serialVersionUID = 1L;
  /** How often a subtask asks for end offsets, and so how often its lag markers go out (processing time). */
  public static final long LAG_INTERVAL_MS = 1000;
  private final Map<String, Object> specMap;
  private final OutputTag<RejectedSample> rejectedTag;
  private final EndOffsets endOffsets;
  private final long lagIntervalMs;
  private transient SourceLag sourceLag;
  private transient String lagTopic;
  private transient int subtask;
  /** Data-parallel workers per model (1: the single trainer). */
  private transient int workers;
  private transient SampleValidator validator;
  private transient Counter undecodable;
  private transient Counter unknownModel;
  private transient Counter invalid;

  public ValidateFunction(Map<String, Object> specMap, OutputTag<RejectedSample> rejectedTag) {
    this(specMap, rejectedTag, null, LAG_INTERVAL_MS);
  }

  /** With {@code endOffsets} (may be null: no lag) probed every {@code lagIntervalMs}. */
  public ValidateFunction(Map<String, Object> specMap, OutputTag<RejectedSample> rejectedTag, EndOffsets endOffsets,
      long lagIntervalMs) {
    this.specMap = specMap;
    this.rejectedTag = rejectedTag;
    this.endOffsets = endOffsets;
    this.lagIntervalMs = lagIntervalMs;
  }

  @Override
  public void open(OpenContext ctx) {
    JobSpec spec = JobSpec.fromMap(specMap);
    validator = new SampleValidator(spec, endOffsets != null);
    workers = spec.parallel().workers();
    var g = getRuntimeContext().getMetricGroup().addGroup("streamtrain");
    undecodable = g.counter("rejected_undecodable_total");
    unknownModel = g.counter("rejected_unknown_model_total");
    invalid = g.counter("rejected_invalid_total");
    if (endOffsets != null) {
      subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
      lagTopic = endOffsets.topic();
      sourceLag = new SourceLag(endOffsets, subtask, lagIntervalMs).start();
    }
  }

  @Override
  public void close() throws Exception {
    if (sourceLag != null) {
      sourceLag.close();
      sourceLag = null;
    }
    super.close();
  }

  @Override
  public void processElement(SampleRecord r, Context ctx, Collector<SampleRecord> out) {
    if (sourceLag != null) {
      // Coordinates are only there when this function runs chained to the Kafka source (they are not serialized
      // for good samples); without them the record does not count, and the lag stays unknown.
      if (lagTopic.equals(r.topic)) {
        sourceLag.consumed(r.partition, r.offset);
      }
      validate(r, ctx, out);
      if (sourceLag.hasNewFigure()) {
        // Data-parallel jobs: one figure per worker (the partitions it owns), for the publisher's reports.
        validator.lagMarkers(subtask, workers > 1 ? sourceLag.lagByWorker(workers) : new long[] {sourceLag.lag()})
            .forEach(out::collect);
      }
    } else {
      validate(r, ctx, out);
    }
  }

  private void validate(SampleRecord r, Context ctx, Collector<SampleRecord> out) {
    switch (validator.check(r)) {
      case UNDECODABLE -> {
        undecodable.inc();
        ctx.output(rejectedTag, validator.rejected(r));
      }
      case UNKNOWN_MODEL -> {
        unknownModel.inc();
        ctx.output(rejectedTag, validator.rejected(r));
      }
      case INVALID -> {
        invalid.inc();
        out.collect(r);
      }
      case ACCEPTED -> out.collect(r);
    }
  }
}
