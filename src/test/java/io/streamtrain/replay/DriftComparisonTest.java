package io.streamtrain.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.bench.DriftBench;
import io.streamtrain.bench.DriftBench.Result;
import io.streamtrain.bench.DriftBench.Stream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The acceptance comparison of docs/benchmarks.md ("Drift detection") on the rotating hyperplane with an abrupt
 * change every 5,000 samples, through the replay's prequential path: DDM and Page-Hinkley find most of the 7
 * changes without a false alarm, within 1,000 samples on average, and with the boost_lr reaction every detector
 * gives a lower prequential error than the same configuration without a drift watch.
 */
class DriftComparisonTest {
  @Test
  void driftAwareConfigurationsBeatTheSameWithoutOnTheHyperplane() {
    Stream s = DriftBench.hyperplane();
    Result without = DriftBench.run(s, "none", null);
    for (String d : DriftBench.DETECTORS) {
      Result boosted = DriftBench.run(s, d, Map.of("detector", d,
          "reaction", Map.of("type", "boost_lr", "factor", 5.0, "steps", 100)));
      assertThat(boosted.error()).as(d).isLessThan(without.error());
    }
    for (String d : new String[] {"ddm", "page_hinkley"}) {
      Result r = DriftBench.run(s, d, Map.of("detector", d));
      assertThat(r.score()[0]).as(d + " changes detected").isGreaterThanOrEqualTo(5);
      assertThat(r.score()[1]).as(d + " mean delay").isLessThan(1000);
      assertThat(r.score()[2]).as(d + " false alarms").isZero();
      // report only: the detections do not change training
      assertThat(r.error()).isEqualTo(without.error());
    }
  }
}
