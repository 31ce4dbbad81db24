package io.streamtrain.flink.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.eval.Prequential;
import org.junit.jupiter.api.Test;

/** The replay's shuffle seed is the training job's, so a replay draws the job's batches. */
class ShuffleSeedTest {
  @Test
  void replaySeedsShufflesLikeTheMiniBatcher() {
    for (String id : new String[] {"", "m", "tenant-a", "région-7"}) {
      for (long seed : new long[] {0, 1, 42, -5, Long.MAX_VALUE}) {
        assertThat(Prequential.shuffleSeed(seed, id)).isEqualTo(MiniBatcherFunction.seedFor(seed, id));
      }
    }
  }
}
