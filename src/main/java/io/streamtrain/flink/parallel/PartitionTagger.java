package io.streamtrain.flink.parallel;

import io.streamtrain.avro.RejectedSample;
import io.streamtrain.flink.training.Rejections;
import io.streamtrain.flink.training.SampleRecord;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Good samples keep their partition across the keyBy; the first good sample of a model in this subtask also
 * touches every worker of the model, so each exists and reports the end of its input even if it owns no sample.
 * Lag markers, and a note of each rejected sample of a configured model, leave on {@link SourceNote#TAG} for the
 * model's publisher.
 */
final class PartitionTagger extends ProcessFunction<SampleRecord, SampleRecord> {
  private static final long serialVersionUID = 1L;
  private final int workers;
  private final OutputTag<RejectedSample> rejectedTag;
  private transient Set<String> seen;
  private transient Rejections rejections;

  PartitionTagger(int workers, OutputTag<RejectedSample> rejectedTag) {
    this.workers = workers;
    this.rejectedTag = rejectedTag;
  }

  @Override
  public void open(OpenContext ctx) {
    seen = new HashSet<>();
    rejections = new Rejections();
  }

  @Override
  public void processElement(SampleRecord r, Context ctx, Collector<SampleRecord> out) {
    if (r.isRejected()) {
      ctx.output(rejectedTag, rejections.toAvro(r)); // the samples the single trainer's batcher would publish
      if (r.configIndex >= 0) {
        ctx.output(SourceNote.TAG, SourceNote.rejected(r.example.modelId(), 1)); // counted as the trainer counts
      }
      return;
    }
    if (r.isLagMarker()) {
      // Reader r.lagSource's lag over the partitions of worker r.partition: to the model's publisher.
      ctx.output(SourceNote.TAG, SourceNote.lag(r.example.modelId(), r.partition, r.lagSource, r.lag));
      return;
    }
    if (seen.add(r.example.modelId())) {
      for (int w = 0; w < workers; w++) {
        SampleRecord t = new SampleRecord();
        t.example.setModelId(r.example.modelId());
        t.configIndex = r.configIndex;
        t.partition = w;
        t.touch = true;
        out.collect(t);
      }
    }
    r.carryPartition = true;
    out.collect(r);
  }
}
