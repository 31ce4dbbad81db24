package io.streamtrain.flink.parallel;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.util.OutputTag;

/**
 * A source reader's consumer lag over the samples-topic partitions one data-parallel worker owns (records written
 * but not yet read), measured where the samples are validated and sent once per lag interval to the model's
 * publisher, which reports the sum over readers per worker. Informational only: never state, never trained on.
 */
public record WorkerLag(String modelId, int worker, int reader, long lag) {
  public static final TypeInformation<WorkerLag> TYPE = Types.POJO(WorkerLag.class);
  static final OutputTag<WorkerLag> TAG = new OutputTag<>("worker-lag", TYPE);
}
