package io.streamtrain.flink.training;

import java.io.Serializable;

/**
 * Where a validate subtask learns how far the samples topic reaches: the end offset of each partition it reads.
 * The training job gets one when its source is Kafka ({@link KafkaEndOffsets}, an Admin client with the source's
 * client settings); with any other source there is none and {@code consumer_lag} stays null. Tests hand in their
 * own. It travels with the job graph, so it is serializable; the {@link Reader} it opens lives in one subtask.
 */
public interface EndOffsets extends Serializable {
  /** The topic whose records this measures; records of other topics (or without one) are not counted. */
  String topic();

  /** Opens a reader for validate subtask {@code subtask}; called on the probe thread, never on the record path. */
  Reader open(int subtask) throws Exception;

  /** Reads end offsets; used by one probe thread at a time. */
  interface Reader extends AutoCloseable {
    /**
     * The end offset (the offset the next record written will get) of each of {@code partitions}, in the same
     * order; -1 where it is not known.
     */
    long[] endOffsets(int[] partitions) throws Exception;

    @Override
    void close();
  }
}
