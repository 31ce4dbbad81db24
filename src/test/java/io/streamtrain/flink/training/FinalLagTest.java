package io.streamtrain.flink.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.TrainingMetrics;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The end-of-input report of a bounded input says the consumer lag is 0: every record up to the source's end
 * offsets was read, whatever the last lag marker (measured before the final records arrived) said. Operator harness, the
 * trainer's batches of {@link TrainerFunctionTest} with lag markers attached.
 */
class FinalLagTest {
  static List<TrainingMetrics> reportsOf(List<TrainingMetrics> all, String model) {
    return all.stream().filter(m -> m.getModelId().equals(model)).toList();
  }

  @Test
  void theEndOfInputReportShowsNoBacklog() throws Exception {
    // Without the last batch (tenant-b's partial one): tenant-b has 14 batches, a report every 3, so the end of
    // input reports batches 13 and 14; tenant-a's 15 batches end exactly on a report, so it gets none.
    List<MiniBatch> in = new java.util.ArrayList<>(TrainerFunctionTest.input().subList(0, 29));
    for (int i = 0; i < in.size(); i++) {
      in.get(i).consumerLag = 40_000 - 1_000L * i; // a backlog shrinking as the batches come, never reaching 0
    }
    List<TrainingMetrics> out = TrainerFunctionTest.uninterrupted(in).metrics();
    List<TrainingMetrics> b = reportsOf(out, "tenant-b");
    assertThat(b).extracting(TrainingMetrics::getStep).containsExactly(3L, 6L, 9L, 12L, 14L);
    // The in-stream reports carry the marker of their last batch: tenant-b's 12th batch is input index 23.
    assertThat(b.get(3).getConsumerLag()).isEqualTo(40_000 - 1_000L * 23);
    assertThat(b.get(4).getConsumerLag()).isEqualTo(0L);
    // No report is invented for an empty interval: the reports stay a function of the data.
    assertThat(reportsOf(out, "tenant-a")).extracting(TrainingMetrics::getStep)
        .containsExactly(3L, 6L, 9L, 12L, 15L);
  }

  @Test
  void withoutLagMarkersNothingChanges() throws Exception {
    List<TrainingMetrics> a = reportsOf(TrainerFunctionTest.uninterrupted().metrics(), "tenant-a");
    assertThat(a).extracting(TrainingMetrics::getStep).containsExactly(3L, 6L, 9L, 12L, 15L);
    assertThat(a).allSatisfy(m -> assertThat(m.getConsumerLag()).isNull());
  }
}
