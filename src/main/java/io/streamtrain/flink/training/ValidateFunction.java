package io.streamtrain.flink.training;

import io.streamtrain.avro.RejectedSample;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.RejectReason;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.job.JobSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Resolves each sample's training configuration from its model id and checks it against the model's declared
 * input space. Records that did not decode and samples of models the job does not train go straight to the
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
  /** Model ids a subtask sends lag markers to: the first ones it accepted (a bound on markers per second). */
  static final int MAX_LAG_MODELS = 1024;
  private final Map<String, Object> specMap;
  private final OutputTag<RejectedSample> rejectedTag;
  private final EndOffsets endOffsets;
  private final long lagIntervalMs;
  private transient SourceLag sourceLag;
  private transient String lagTopic;
  private transient int subtask;
  /** Accepted model ids in the order first seen, with their configuration (the lag markers' destinations). */
  private transient List<String> lagModels;
  private transient List<Integer> lagConfigs;
  private transient JobSpec spec;
  private transient io.streamtrain.core.feature.MurmurHash3.Utf8Hasher hasher;
  private transient FeatureSpace[] spaces;
  private transient ConfigRoutes routes;
  private transient Rejections rejections;
  private transient SampleCodec codec;
  private transient MutableSample scratch;
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
    spec = JobSpec.fromMap(specMap);
    hasher = new io.streamtrain.core.feature.MurmurHash3.Utf8Hasher();
    spaces = new FeatureSpace[spec.configs().size()];
    for (int i = 0; i < spaces.length; i++) {
      spaces[i] = spec.configs().get(i).model().features();
    }
    routes = new ConfigRoutes(spec);
    rejections = new Rejections();
    var g = getRuntimeContext().getMetricGroup().addGroup("streamtrain");
    undecodable = g.counter("rejectedUndecodable");
    unknownModel = g.counter("rejectedUnknownModel");
    invalid = g.counter("rejectedInvalid");
    if (endOffsets != null) {
      subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
      lagTopic = endOffsets.topic();
      lagModels = new ArrayList<>();
      lagConfigs = new ArrayList<>();
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
        sendLag(sourceLag.lag(), out);
      }
    } else {
      validate(r, ctx, out);
    }
  }

  private void restoreNames(SampleRecord r) {
    if (r.source == null) {
      return;
    }
    if (codec == null) {
      codec = new SampleCodec();
      scratch = new MutableSample();
    }
    try {
      SampleDeserializer.restoreNames(r, codec, scratch);
    } catch (java.io.IOException | RuntimeException e) {
      throw new IllegalStateException("a record that decoded once no longer decodes", e);
    }
  }

  /** One marker per accepted model id: the batchers of those models learn this reader's lag. */
  private void sendLag(long lag, Collector<SampleRecord> out) {
    for (int i = 0; i < lagModels.size(); i++) {
      // A fresh record per marker: the collector may keep it (a harness does), and this runs once a second.
      out.collect(SampleRecord.lagMarker(lagModels.get(i), lagConfigs.get(i), subtask, lag));
    }
  }

  private void validate(SampleRecord r, Context ctx, Collector<SampleRecord> out) {
    if (r.isRejected() && r.raw != null) {
      undecodable.inc();
      ctx.output(rejectedTag, rejections.toAvro(r));
      return;
    }
    String id = r.example.modelId();
    int cfg = routes.of(id);
    // Each accepted id is cached once, so it is added once.
    if (routes.firstSeen() && cfg >= 0 && lagModels != null && lagModels.size() < MAX_LAG_MODELS) {
      lagModels.add(id);
      lagConfigs.add(cfg);
    }
    if (cfg < 0) {
      unknownModel.inc();
      r.reason = RejectReason.UNKNOWN_MODEL.name();
      r.message = "no training configuration accepts model id '" + id + "'";
      ctx.output(rejectedTag, rejections.toAvro(r));
      return;
    }
    r.configIndex = cfg;
    if (!r.isRejected()) {
      RejectReason why = spaces[cfg].validate(r.example);
      if (why != RejectReason.OK) {
        r.reason = why.name();
        r.message = why.description();
      }
    }
    if (r.isRejected()) {
      invalid.inc();
      // Named fields hashed while decoding: the rejected topic gets the sample with its names, to fix and replay.
      restoreNames(r);
    } else if (spaces[cfg].hashBits() > 0) {
      // Hash the named fields here, in parallel across the source subtasks, so their strings do not cross the
      // keyBy and the model's one trainer thread does not hash them (same slots and signs as Batch.add).
      r.example.hashNamedFields(spaces[cfg], hasher);
    }
    out.collect(r);
  }
}
