package io.streamtrain.core.eval;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Scoring detections against known change points, by hand. */
class DriftTrackTest {
  @Test
  void firstDetectionPerChangeCountsOthersAreFalseAlarms() {
    long[] changes = {1000, 2000, 3000};
    // 500: before any change (false); 1100 and 1300: change 1000 (delay 100, then a repeat: false);
    // 2050: change 2000 (delay 50); nothing for change 3000
    double[] s = DriftTrack.score(new long[] {500, 1100, 1300, 2050}, changes);
    assertThat(s).containsExactly(2.0, 75.0, 2.0);
    double[] none = DriftTrack.score(new long[0], changes);
    assertThat(none[0]).isZero();
    assertThat(none[1]).isNaN();
    assertThat(none[2]).isZero();
    // a detection exactly at a change point belongs to it with delay 0
    assertThat(DriftTrack.score(new long[] {3000}, changes)).containsExactly(1.0, 0.0, 0.0);
  }
}
