package io.streamtrain.flink.training;

import io.streamtrain.avro.RejectedSample;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.RejectReason;
import io.streamtrain.job.JobSpec;
import java.util.HashMap;
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
 */
public final class ValidateFunction extends ProcessFunction<SampleRecord, SampleRecord> {
  private static final long serialVersionUID = 1L;
  private final Map<String, Object> specMap;
  private final OutputTag<RejectedSample> rejectedTag;
  private transient JobSpec spec;
  private transient FeatureSpace[] spaces;
  private transient Map<String, Integer> configOf;
  private transient Rejections rejections;
  private transient Counter undecodable;
  private transient Counter unknownModel;
  private transient Counter invalid;

  public ValidateFunction(Map<String, Object> specMap, OutputTag<RejectedSample> rejectedTag) {
    this.specMap = specMap;
    this.rejectedTag = rejectedTag;
  }

  @Override
  public void open(OpenContext ctx) {
    spec = JobSpec.fromMap(specMap);
    spaces = new FeatureSpace[spec.configs().size()];
    for (int i = 0; i < spaces.length; i++) {
      spaces[i] = spec.configs().get(i).model().features();
    }
    configOf = new HashMap<>();
    rejections = new Rejections();
    var g = getRuntimeContext().getMetricGroup().addGroup("streamtrain");
    undecodable = g.counter("rejectedUndecodable");
    unknownModel = g.counter("rejectedUnknownModel");
    invalid = g.counter("rejectedInvalid");
  }

  @Override
  public void processElement(SampleRecord r, Context ctx, Collector<SampleRecord> out) {
    if (r.isRejected() && r.raw != null) {
      undecodable.inc();
      ctx.output(rejectedTag, rejections.toAvro(r));
      return;
    }
    String id = r.example.modelId();
    Integer cfg = configOf.get(id);
    if (cfg == null) {
      cfg = spec.configIndex(id);
      if (configOf.size() < 100_000) {
        configOf.put(id, cfg);
      }
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
    }
    out.collect(r);
  }
}
