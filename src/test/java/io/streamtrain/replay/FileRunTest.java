package io.streamtrain.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.core.SpecException;
import io.streamtrain.flink.training.SampleRecord;
import io.streamtrain.io.Sidecar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File sources: passes, the train/test split, the per-pass shuffle, standardization fitted on the training rows,
 * label maps and sidecars, checked against the file read directly (breast_cancer.csv: 569 rows, 30 features).
 */
class FileRunTest {
  @TempDir
  Path tmp;

  static ReplaySpec spec(Map<String, Object> extra) {
    Map<String, Object> source = new LinkedHashMap<>();
    source.put("file", "datasets/breast_cancer.csv");
    source.put("label", "target");
    source.putAll(extra);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "f");
    m.put("source", source);
    m.put("configs", List.of(Map.of("name", "a", "model", Map.of("type", "logistic", "features", Map.of("dense", 30)),
        "optimizer", Map.of("type", "sgd", "lr", 0.1))));
    return new ReplaySpec(m, Path.of("."));
  }

  /** The file's rows as [30 features, label], parsed here without the project's reader. */
  static List<double[]> raw() throws Exception {
    List<double[]> rows = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("datasets/breast_cancer.csv")).subList(1, 570)) {
      String[] f = line.split(",");
      double[] r = new double[f.length];
      for (int i = 0; i < f.length; i++) {
        r[i] = Double.parseDouble(f[i]);
      }
      rows.add(r);
    }
    return rows;
  }

  static double[] dense(SampleRecord r) {
    return java.util.Arrays.copyOf(r.example.denseValues(), r.example.denseLength());
  }

  @Test
  void categoricalColumnsOfAFileBecomeNamedFields() throws Exception {
    Path csv = tmp.resolve("clicks.csv");
    Files.writeString(csv, "country,price,y\nNL,1.5,1\nDE,2.0,0\nNL,0.5,0\n");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "c");
    m.put("source", Map.of("file", csv.toString(), "label", "y", "categorical", List.of("country")));
    m.put("configs", List.of(Map.of("name", "a", "model", Map.of("type", "logistic", "features",
        Map.of("dense", 1, "hash_bits", 8)), "optimizer", Map.of("type", "sgd", "lr", 0.1))));
    List<String> malformed = new ArrayList<>();
    List<SampleRecord> rows = ReplaySources.file(new ReplaySpec(m, Path.of(".")), malformed);
    assertThat(malformed).isEmpty();
    assertThat(rows).hasSize(3);
    assertThat(rows.get(1).example.categoricalName(0)).isEqualTo("country");
    assertThat(rows.get(1).example.categoricalValue(0)).isEqualTo("DE");
    assertThat(dense(rows.get(1))).containsExactly(2.0);
    // Equal values are one string (the rows stay in memory for the replay).
    assertThat(rows.get(2).example.categoricalValue(0)).isSameAs(rows.get(0).example.categoricalValue(0));
  }

  @Test
  void passesRepeatTheTrainingRowsThenTheTestRangeFollowsInFileOrder() throws Exception {
    ReplaySources.FileSamples f = ReplaySources.layout(spec(Map.of("passes", 2, "split",
        Map.of("test_rows", List.of(0, 10)))), new ArrayList<>());
    List<double[]> raw = raw();
    assertThat(f.trainRows()).isEqualTo(559);
    assertThat(f.testRows()).isEqualTo(10);
    assertThat(f.records()).hasSize(2 * 559 + 10);
    assertThat(f.trainSamples()).isEqualTo(1118);
    // Pass 1 and pass 2 are rows 10..568 in file order; the test part is rows 0..9.
    assertThat(dense(f.records().get(0))).containsExactly(java.util.Arrays.copyOf(raw.get(10), 30));
    assertThat(dense(f.records().get(559))).containsExactly(java.util.Arrays.copyOf(raw.get(10), 30));
    for (int i = 0; i < 10; i++) {
      SampleRecord r = f.records().get(1118 + i);
      assertThat(dense(r)).containsExactly(java.util.Arrays.copyOf(raw.get(i), 30));
      assertThat(r.example.label()).isEqualTo(raw.get(i)[30]);
    }
    for (int i = 1; i < f.records().size(); i++) {
      assertThat(f.records().get(i).example.eventTime()).isGreaterThan(f.records().get(i - 1).example.eventTime());
    }
  }

  @Test
  void aSeededFractionIsReproducibleAndTheShufflePermutesEachPass() throws Exception {
    Map<String, Object> opts = Map.of("split", Map.of("test_fraction", 0.25, "seed", 3), "shuffle", 5, "passes", 2);
    ReplaySources.FileSamples a = ReplaySources.layout(spec(opts), new ArrayList<>());
    ReplaySources.FileSamples b = ReplaySources.layout(spec(opts), new ArrayList<>());
    ReplaySources.FileSamples other = ReplaySources.layout(spec(Map.of("split", Map.of("test_fraction", 0.25,
        "seed", 4))), new ArrayList<>());
    assertThat(a.testRows()).isEqualTo(142); // round(0.25 * 569)
    assertThat(a.trainRows()).isEqualTo(427);
    List<double[]> testA = new ArrayList<>();
    List<double[]> testOther = new ArrayList<>();
    for (int i = 0; i < 142; i++) {
      testA.add(dense(a.records().get(854 + i)));
      assertThat(dense(b.records().get(854 + i))).containsExactly(testA.get(i));
      testOther.add(dense(other.records().get(427 + i)));
    }
    assertThat(testA).usingElementComparator((x, y) -> java.util.Arrays.equals(x, y) ? 0 : 1)
        .isNotEqualTo(testOther);
    // Test rows keep file order: their positions in the raw file increase.
    List<double[]> raw = raw();
    int last = -1;
    for (double[] t : testA) {
      int at = -1;
      for (int i = 0; i < raw.size(); i++) {
        if (java.util.Arrays.equals(java.util.Arrays.copyOf(raw.get(i), 30), t)) {
          at = i;
          break;
        }
      }
      assertThat(at).isGreaterThan(last);
      last = at;
    }
    // Each pass holds the same 427 rows, in two different orders.
    List<String> pass1 = new ArrayList<>();
    List<String> pass2 = new ArrayList<>();
    for (int i = 0; i < 427; i++) {
      pass1.add(java.util.Arrays.toString(dense(a.records().get(i))));
      pass2.add(java.util.Arrays.toString(dense(a.records().get(427 + i))));
    }
    assertThat(pass2).containsExactlyInAnyOrderElementsOf(pass1).isNotEqualTo(pass1);
  }

  @Test
  void standardizationIsFittedOnTheTrainingRowsOnly() throws Exception {
    ReplaySources.FileSamples f = ReplaySources.layout(spec(Map.of("standardize", true, "split",
        Map.of("test_rows", List.of(469, 569)))), new ArrayList<>());
    List<double[]> raw = raw();
    // Two-pass mean and population standard deviation of rows 0..468, column by column.
    for (int j = 0; j < 30; j++) {
      double mean = 0;
      for (int i = 0; i < 469; i++) {
        mean += raw.get(i)[j];
      }
      mean /= 469;
      double var = 0;
      for (int i = 0; i < 469; i++) {
        var += (raw.get(i)[j] - mean) * (raw.get(i)[j] - mean);
      }
      double sd = Math.sqrt(var / 469);
      assertThat(dense(f.records().get(0))[j]).isCloseTo((raw.get(0)[j] - mean) / sd, within(1e-9));
      assertThat(dense(f.records().get(469))[j]).isCloseTo((raw.get(469)[j] - mean) / sd, within(1e-9));
    }
  }

  @Test
  void stringLabelsThroughAMapOrAProduceSidecar() throws Exception {
    Path csv = tmp.resolve("words.csv");
    Files.writeString(csv, "a,b,kind\n1,10,spam\n2,20,ham\n3,30,spam\n5,50,ham\n");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "w");
    m.put("source", Map.of("file", csv.toString(), "label_map", Map.of("spam", 1, "ham", 0)));
    m.put("configs", List.of(Map.of("name", "a", "model", Map.of("type", "logistic", "features", Map.of("dense", 2)),
        "optimizer", Map.of("type", "sgd", "lr", 0.1))));
    List<SampleRecord> rs = ReplaySources.layout(new ReplaySpec(m, Path.of(".")), new ArrayList<>()).records();
    assertThat(rs).extracting(r -> r.example.label()).containsExactly(1.0, 0.0, 1.0, 0.0);
    assertThat(new ReplaySpec(m, Path.of(".")).source().run().classNames()).isEqualTo(Map.of(0, "ham", 1, "spam"));
    // A sidecar: produce's label map and standardization (mean 2, scale 2 for a; mean 0, scale 10 for b).
    Path side = tmp.resolve("words.sidecar.json");
    new Sidecar("ham=0,spam=1", List.of("a", "b"), new double[] {2, 0}, new double[] {2, 10}).write(side);
    m.put("source", Map.of("file", csv.toString(), "sidecar", side.toString()));
    rs = ReplaySources.layout(new ReplaySpec(m, Path.of(".")), new ArrayList<>()).records();
    assertThat(rs).extracting(r -> r.example.label()).containsExactly(1.0, 0.0, 1.0, 0.0);
    assertThat(dense(rs.get(3))).containsExactly(1.5, 5.0);
  }

  @Test
  void hashedNumericColumnsAreNamedFieldsAndStandardizedByColumn() throws Exception {
    Path csv = tmp.resolve("h.csv");
    // a: 1, 3 (mean 2, population std 1); b: 10, 30 (mean 20, std 10).
    Files.writeString(csv, "a,b,y\n1,10,1\n3,30,0\n");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "h");
    m.put("source", Map.of("file", csv.toString(), "hashed_numeric", true, "standardize", true));
    m.put("configs", List.of(Map.of("name", "a", "model", Map.of("type", "logistic", "features",
        Map.of("hash_bits", 8)), "optimizer", Map.of("type", "sgd", "lr", 0.1))));
    List<SampleRecord> rs = ReplaySources.layout(new ReplaySpec(m, Path.of(".")), new ArrayList<>()).records();
    assertThat(rs.get(0).example.denseLength()).isZero();
    assertThat(rs.get(0).example.numericName(1)).isEqualTo("b");
    assertThat(rs.get(0).example.numericValue(0)).isEqualTo(-1.0);
    assertThat(rs.get(1).example.numericValue(1)).isEqualTo(1.0);
  }

  @Test
  void errorsNameTheKey() {
    assertThatThrownBy(() -> spec(Map.of("split", Map.of("test_fraction", 0.2, "test_rows", List.of(0, 1)))))
        .isInstanceOf(SpecException.class).hasMessageContaining("source.split")
        .hasMessageContaining("exactly one of test_fraction");
    assertThatThrownBy(() -> spec(Map.of("split", Map.of("test_rows", List.of(5, 5)))))
        .isInstanceOf(SpecException.class).hasMessageContaining("source.split.test_rows");
    assertThatThrownBy(() -> spec(Map.of("split", Map.of("test_fraction", 1.0))))
        .isInstanceOf(SpecException.class).hasMessageContaining("source.split.test_fraction");
    assertThatThrownBy(() -> spec(Map.of("passes", 0)))
        .isInstanceOf(SpecException.class).hasMessageContaining("source.passes");
    assertThatThrownBy(() -> spec(Map.of("label_map", "spam")))
        .isInstanceOf(SpecException.class).hasMessageContaining("source.label_map");
    assertThatThrownBy(() -> ReplaySources.layout(spec(Map.of("split", Map.of("test_rows", List.of(600, 700)))),
        new ArrayList<>())).isInstanceOf(SpecException.class).hasMessageContaining("569 samples");
    Map<String, Object> holdout = new LinkedHashMap<>();
    holdout.put("name", "h");
    holdout.put("mode", "holdout");
    holdout.put("source", Map.of("file", "datasets/breast_cancer.csv", "standardize", true));
    holdout.put("holdout", Map.of("model_id", "m", "topic", "models"));
    assertThatThrownBy(() -> new ReplaySpec(holdout, Path.of("."))).isInstanceOf(SpecException.class)
        .hasMessageContaining("source.standardize").hasMessageContaining("source.sidecar");
    holdout.put("source", Map.of("file", "datasets/breast_cancer.csv", "passes", 2));
    assertThatThrownBy(() -> new ReplaySpec(holdout, Path.of("."))).isInstanceOf(SpecException.class)
        .hasMessageContaining("source.passes").hasMessageContaining("mode: prequential");
    Map<String, Object> topic = ReplaySpecTest.base();
    topic.put("source", Map.of("topic", "s", "passes", 2));
    assertThatThrownBy(() -> new ReplaySpec(topic, Path.of("."))).isInstanceOf(SpecException.class)
        .hasMessageContaining("source.passes").hasMessageContaining("allowed only with source.file");
  }
}
