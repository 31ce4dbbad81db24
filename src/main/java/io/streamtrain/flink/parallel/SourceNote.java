package io.streamtrain.flink.parallel;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.util.OutputTag;

/**
 * What the samples' side of a data-parallel job tells a model's publisher, from where samples are validated: either
 * a source reader's consumer lag over the samples-topic partitions one worker owns ({@link #lag(String, int, int,
 * long)}: records written but not yet read; sent once per lag interval; informational, never state), or that
 * {@code rejected} samples of the model were rejected at validation ({@link #rejected(String, long)}: counted in the
 * publisher's state, so the reports' {@code rejected_samples} is exact across restores, as the single trainer's).
 */
public record SourceNote(String modelId, int worker, int reader, long lag, long rejected) {
  public static final TypeInformation<SourceNote> TYPE = Types.POJO(SourceNote.class);
  static final OutputTag<SourceNote> TAG = new OutputTag<>("source-note", TYPE);

  static SourceNote lag(String modelId, int worker, int reader, long lag) {
    return new SourceNote(modelId, worker, reader, lag, 0);
  }

  static SourceNote rejected(String modelId, long rejected) {
    return new SourceNote(modelId, -1, -1, -1, rejected);
  }

  boolean isRejection() {
    return rejected > 0;
  }
}
