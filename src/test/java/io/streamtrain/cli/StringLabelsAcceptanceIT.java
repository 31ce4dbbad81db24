package io.streamtrain.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.avro.Sample;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.CliRun;
import io.streamtrain.testing.KafkaTestSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19's acceptance: a CSV with string labels and its rows sorted by class goes through {@code produce}
 * ({@code --label-map auto}, {@code --shuffle}, {@code --standardize}), {@code train --bounded} (a softmax) and
 * {@code replay} (holdout of the published model on the test rows, read through produce's sidecar), all through
 * the picocli entry point against a real in-JVM KRaft broker and Flink MiniClusters, and reaches the accuracy a
 * standardized softmax reaches on the same split.
 *
 * <p>Data: the bundled Wisconsin breast-cancer file (569 rows), labels rewritten as words (0 = "malignant",
 * 1 = "benign"), rows i % 5 == 0 held out (114 test rows, 455 training rows), the training rows written all
 * malignant first. Reference: scripts/reference/acceptance_softmax.py, scikit-learn's multinomial logistic
 * regression objective (C = 1) minimized by L-BFGS in torch on the training rows standardized with their own mean
 * and population deviation: 110 of 114 test rows right (0.9649), test log loss 0.1106. One streaming pass of Adam
 * over 455 rows is allowed two rows fewer than that converged fit.
 */
class StringLabelsAcceptanceIT {
  static final int REFERENCE_CORRECT = 110;
  static final int TEST_ROWS = 114;
  static KafkaBroker broker;
  static String bootstrap;
  @TempDir Path dir;

  @BeforeAll
  static void startBroker() {
    broker = KafkaBroker.startTemporary();
    bootstrap = broker.bootstrapServers();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void stringLabelsClassSortedRowsProduceTrainReplayReachTheReferenceAccuracy() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("datasets/breast_cancer.csv"));
    String header = lines.get(0).replace(",target", ",diagnosis");
    List<String> malignant = new ArrayList<>();
    List<String> benign = new ArrayList<>();
    List<String> test = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      String row = lines.get(i);
      String word = row.endsWith(",0") ? "malignant" : "benign";
      String worded = row.substring(0, row.lastIndexOf(',') + 1) + word;
      if ((i - 1) % 5 == 0) {
        test.add(worded);
      } else {
        (word.equals("malignant") ? malignant : benign).add(worded);
      }
    }
    assertThat(test).hasSize(TEST_ROWS);
    Path train = dir.resolve("wdbc-train.csv");
    List<String> sorted = new ArrayList<>(List.of(header));
    sorted.addAll(malignant);
    sorted.addAll(benign);
    Files.write(train, sorted);
    Path testFile = dir.resolve("wdbc-test.csv");
    List<String> testLines = new ArrayList<>(List.of(header));
    testLines.addAll(test);
    Files.write(testFile, testLines);
    Path sidecar = dir.resolve("wdbc.sidecar.json");

    CliRun produced = CliRun.run("produce", "--bootstrap", bootstrap, "--topic", "acc-samples", "--from",
        train.toString(), "--label", "diagnosis", "--label-map", "auto", "--shuffle", "11", "--standardize",
        "--sidecar", sidecar.toString(), "--model-id", "wdbc", "--no-progress");
    assertThat(produced.exit()).as(produced.err()).isZero();
    assertThat(produced.out()).contains("malignant=0,benign=1", "produced 455 samples", "0 malformed",
        "sidecar: " + sidecar);
    // Shuffled: the class-sorted file does not arrive as 172 zeros then 283 ones.
    List<Sample> sent = KafkaTestSupport.decodeAll(KafkaTestSupport.readAll(bootstrap, "acc-samples"), Sample.class);
    assertThat(sent).hasSize(455);
    long zerosInFirstHalf = sent.subList(0, 227).stream().filter(s -> ((Integer) s.getLabel()) == 0).count();
    assertThat(zerosInFirstHalf).isBetween(50L, 120L);
    JsonNode side = new ObjectMapper().readTree(sidecar.toFile());
    assertThat(side.get("label_map").toString()).isEqualTo("{\"malignant\":\"0\",\"benign\":\"1\"}");
    assertThat(side.get("standardize").get("mean")).hasSize(30);

    Path job = dir.resolve("wdbc.yaml");
    Files.writeString(job, "name: acc-wdbc\n"
        + "model: {type: softmax, classes: 2, features: {dense: 30}}\n"
        + "optimizer: {type: adam, lr: 0.05}\n"
        + "batching: {batch_size: 16, shuffle_capacity: 64, seed: 3}\n"
        + "topics: {samples: acc-samples, metrics: acc-metrics, models: acc-models, rejected: acc-rejected}\n"
        + "snapshots: {every_steps: 1000}\n"
        + "checkpoint: {interval_ms: 500}\n"
        + "parallelism: 1\n");
    CliRun trained = CliRun.run("train", job.toString(), "--bootstrap", bootstrap, "--bounded");
    assertThat(trained.exit()).as(trained.out() + trained.err()).isZero();
    assertThat(trained.out()).contains("wdbc", "finished");

    Path report = dir.resolve("report.json");
    Path spec = dir.resolve("holdout.yaml");
    Files.writeString(spec, "name: acc-holdout\n"
        + "mode: holdout\n"
        + "source: {file: " + testFile + ", label: diagnosis, model_id: wdbc, sidecar: " + sidecar + "}\n"
        + "holdout: {model_id: wdbc, topic: acc-models}\n"
        + "output: {report: " + report + ", charts: " + dir.resolve("charts") + "}\n"
        + "parallelism: 1\n");
    CliRun replayed = CliRun.run("replay", spec.toString(), "--bootstrap", bootstrap);
    assertThat(replayed.exit()).as(replayed.out() + replayed.err()).isZero();
    JsonNode rep = new ObjectMapper().readTree(report.toFile());
    JsonNode row = rep.get("ranking").get(0);
    assertThat(row.get("samples").asLong()).isEqualTo(TEST_ROWS);
    double accuracy = row.get("final").get("accuracy").asDouble();
    JsonNode cm = rep.get("classes").elements().next().get("confusion_matrix");
    long correct = cm.get(0).get(0).asLong() + cm.get(1).get(1).asLong();
    // The test rows hold 40 malignant and 74 benign: the confusion matrix has them as its row sums.
    assertThat(cm.get(0).get(0).asLong() + cm.get(0).get(1).asLong())
        .isEqualTo(test.stream().filter(l -> l.endsWith("malignant")).count());
    assertThat(correct).as("test rows right; reference %d of %d", REFERENCE_CORRECT, TEST_ROWS)
        .isGreaterThanOrEqualTo(REFERENCE_CORRECT - 2);
    assertThat(accuracy).isEqualTo((double) correct / TEST_ROWS);
    assertThat(row.get("final").get("log_loss").asDouble()).isLessThan(0.25);
    assertThat(replayed.out()).contains("per class", "confusion");
  }
}
