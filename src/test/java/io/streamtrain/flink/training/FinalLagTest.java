package io.streamtrain.flink.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.TrainingMetrics;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The last report of a bounded input says the consumer lag is 0: every record up to the source's end offsets was
 * read, whatever the last lag marker (measured before the final records arrived) said. Operator harness, the
 * trainer's batches of {@link TrainerFunctionTest} with lag markers attached.
 */
class FinalLagTest {
  static List<TrainingMetrics> reportsOf(List<TrainingMetrics> all, String model) {
    return all.stream().filter(m -> m.getModelId().equals(model)).toList();
  }

  @Test
  void theEndOfInputReportShowsNoBacklogEvenWhenTheIntervalIsEmpty() throws Exception {
    List<MiniBatch> in = TrainerFunctionTest.input();
    for (int i = 0; i < in.size(); i++) {
      in.get(i).consumerLag = 40_000 - 1_000L * i; // a backlog shrinking as the batches come, never reaching 0
    }
    List<TrainingMetrics> out = TrainerFunctionTest.uninterrupted(in).metrics();
    // tenant-a: 15 batches, a report every 3, so the stream's own reports end exactly at step 15 with a backlog
    // figure; the end of input adds a report with no samples whose lag is 0.
    List<TrainingMetrics> a = reportsOf(out, "tenant-a");
    assertThat(a).extracting(TrainingMetrics::getStep).containsExactly(3L, 6L, 9L, 12L, 15L, 15L);
    assertThat(a.get(4).getConsumerLag()).isEqualTo(40_000 - 1_000L * 28); // batch index 28 was tenant-a's last
    assertThat(a.get(5).getSamplesInReport()).isZero();
    assertThat(a.get(5).getConsumerLag()).isEqualTo(0L);
    TrainingMetrics lastB = reportsOf(out, "tenant-b").get(reportsOf(out, "tenant-b").size() - 1);
    assertThat(lastB.getConsumerLag()).isEqualTo(0L);
  }

  @Test
  void withoutLagMarkersNothingChanges() throws Exception {
    List<TrainingMetrics> a = reportsOf(TrainerFunctionTest.uninterrupted().metrics(), "tenant-a");
    assertThat(a).extracting(TrainingMetrics::getStep).containsExactly(3L, 6L, 9L, 12L, 15L);
    assertThat(a).allSatisfy(m -> assertThat(m.getConsumerLag()).isNull());
  }
}
