package io.streamtrain.core.metric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {

  /**
   * y_true = [0,0,0,0,1,1,1,2,2,2], y_pred = [0,0,1,2,1,1,0,2,2,1]. By hand (rows true, columns predicted):
   * [[2,1,1],[1,2,0],[0,1,2]]. Precision 2/3, 2/4, 2/3; recall 2/4, 2/3, 2/3; F1 4/7, 4/7, 2/3; macro-F1
   * (4/7 + 4/7 + 2/3) / 3 = 38/63; balanced accuracy (1/2 + 2/3 + 2/3) / 3 = 11/18 (worked by hand from the
   * definitions of scikit-learn's precision_recall_fscore_support, f1_score average="macro" and
   * balanced_accuracy_score).
   */
  @Test
  void threeClassesAgainstHandCounts() {
    int[] t = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
    int[] p = {0, 0, 1, 2, 1, 1, 0, 2, 2, 1};
    ConfusionMatrix m = new ConfusionMatrix(3);
    for (int i = 0; i < t.length; i++) {
      m.add(t[i], p[i]);
    }
    assertThat(m.toArray()).containsExactly(2, 1, 1, 1, 2, 0, 0, 1, 2);
    assertThat(m.total()).isEqualTo(10);
    assertThat(m.precision(0)).isCloseTo(2.0 / 3, within(1e-15));
    assertThat(m.precision(1)).isEqualTo(0.5);
    assertThat(m.precision(2)).isCloseTo(2.0 / 3, within(1e-15));
    assertThat(m.recall(0)).isEqualTo(0.5);
    assertThat(m.recall(1)).isCloseTo(2.0 / 3, within(1e-15));
    assertThat(m.f1(0)).isCloseTo(4.0 / 7, within(1e-15));
    assertThat(m.f1(1)).isCloseTo(4.0 / 7, within(1e-15));
    assertThat(m.f1(2)).isCloseTo(2.0 / 3, within(1e-15));
    assertThat(m.macroF1()).isCloseTo(38.0 / 63, within(1e-15));
    assertThat(m.balancedAccuracy()).isCloseTo(11.0 / 18, within(1e-15));
  }

  /**
   * A majority-class predictor on 7 negatives and 3 positives: accuracy 0.7 but balanced accuracy 0.5 and
   * macro-F1 (F1 of class 0 = 2 * 0.7 * 1 / 1.7 = 14/17, class 1 = 0 by zero_division=0) / 2 = 7/17.
   */
  @Test
  void majorityPredictorIsExposedByBalancedFigures() {
    ConfusionMatrix m = new ConfusionMatrix(2);
    for (int i = 0; i < 10; i++) {
      m.add(i < 7 ? 0 : 1, 0);
    }
    assertThat(m.precision(1)).isEqualTo(0.0);
    assertThat(m.recall(1)).isEqualTo(0.0);
    assertThat(m.f1(1)).isEqualTo(0.0);
    assertThat(m.balancedAccuracy()).isEqualTo(0.5);
    assertThat(m.macroF1()).isCloseTo(7.0 / 17, within(1e-15));
  }

  @Test
  void classesThatNeverOccurDoNotDiluteTheMeans() {
    ConfusionMatrix m = new ConfusionMatrix(4);
    m.add(0, 0);
    m.add(1, 1);
    m.add(1, 0);
    // Classes 2 and 3 never occur: macro over {0, 1}: F1_0 = 2 * (1/2) * 1 / 1.5 = 2/3, F1_1 = 2 * 1 * (1/2) / 1.5.
    assertThat(m.macroF1()).isCloseTo(2.0 / 3, within(1e-15));
    assertThat(m.balancedAccuracy()).isEqualTo(0.75);
    assertThat(ConfusionMatrix.of(4, m.toArray()).macroF1()).isEqualTo(m.macroF1());
  }

  @Test
  void emptyIsNaNAndShapesAreChecked() {
    ConfusionMatrix m = new ConfusionMatrix(2);
    assertThat(m.macroF1()).isNaN();
    assertThat(m.balancedAccuracy()).isNaN();
    assertThat(m.precision(0)).isNaN();
    assertThatThrownBy(() -> ConfusionMatrix.of(2, new long[3])).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ConfusionMatrix(1)).isInstanceOf(IllegalArgumentException.class);
  }
}
