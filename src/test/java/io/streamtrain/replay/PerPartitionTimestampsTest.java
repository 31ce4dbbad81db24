package io.streamtrain.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Range bounds given as a timestamp per partition resolve through Kafka's offsetsForTimes, partition by partition.
 * The retriever below stands in for the broker's answers (the connector calls it; the broker behaviour itself is
 * exercised by the replay ITs with offset and timestamp bounds).
 */
class PerPartitionTimestampsTest {
  private static final String T = "samples";

  /** Partition p holds records with timestamps 1000*p + 10*i for offsets i in [0, 100). */
  private static final OffsetsInitializer.PartitionOffsetsRetriever BROKER =
      new OffsetsInitializer.PartitionOffsetsRetriever() {
        @Override
        public Map<TopicPartition, Long> committedOffsets(Collection<TopicPartition> partitions) {
          throw new UnsupportedOperationException();
        }

        @Override
        public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
          Map<TopicPartition, Long> m = new HashMap<>();
          partitions.forEach(tp -> m.put(tp, 100L));
          return m;
        }

        @Override
        public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
          Map<TopicPartition, Long> m = new HashMap<>();
          partitions.forEach(tp -> m.put(tp, 0L));
          return m;
        }

        @Override
        public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> query) {
          Map<TopicPartition, OffsetAndTimestamp> m = new HashMap<>();
          query.forEach((tp, t) -> {
            long base = 1000L * tp.partition();
            long i = Math.max(0, (t - base + 9) / 10);
            m.put(tp, i >= 100 ? null : new OffsetAndTimestamp(i, base + 10 * i));
          });
          return m;
        }
      };

  @Test
  void eachPartitionStartsAtItsOwnTimestampAndUnlistedOnesAtTheEarliest() {
    var init = new ReplaySources.PerPartitionTimestamps(T, Map.of(0, 205L, 1, 1500L), OffsetResetStrategy.EARLIEST);
    List<TopicPartition> parts = List.of(new TopicPartition(T, 0), new TopicPartition(T, 1), new TopicPartition(T, 2));
    Map<TopicPartition, Long> offsets = init.getPartitionOffsets(parts, BROKER);
    assertThat(offsets).containsEntry(new TopicPartition(T, 0), 21L) // first record at or after 205 is 210
        .containsEntry(new TopicPartition(T, 1), 50L)
        .containsEntry(new TopicPartition(T, 2), 0L);
  }

  @Test
  void aTimestampAfterThePartitionsLastRecordGivesItsEndAndUnlistedEndBoundsAreLatest() {
    var init = new ReplaySources.PerPartitionTimestamps(T, Map.of(0, 999_999L), OffsetResetStrategy.LATEST);
    List<TopicPartition> parts = List.of(new TopicPartition(T, 0), new TopicPartition(T, 1));
    assertThat(init.getPartitionOffsets(parts, BROKER))
        .containsEntry(new TopicPartition(T, 0), 100L)
        .containsEntry(new TopicPartition(T, 1), 100L);
    assertThat(init.getAutoOffsetResetStrategy()).isEqualTo(OffsetResetStrategy.LATEST);
  }
}
