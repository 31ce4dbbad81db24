package io.streamtrain.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Replay specs: shipped examples validate; overrides of a job file; errors name the key and what is allowed. */
@SuppressWarnings("unchecked")
class ReplaySpecTest {
  static Stream<Path> shipped() throws IOException {
    return Files.list(Path.of("jobs/replay")).filter(p -> p.toString().endsWith(".yaml")).sorted();
  }

  @ParameterizedTest
  @MethodSource("shipped")
  void shippedReplaySpecsValidate(Path file) throws IOException {
    if (Files.readString(file).contains("file: target/drift/")) {
      // The drift replays read streams DriftBench writes (their comments say how); write them as a user would.
      io.streamtrain.bench.DriftBench.main(new String[] {"--csv", "target/drift"});
    }
    if (Files.readString(file).contains("\nmode: fit\n")) {
      FitSpec fit = FitSpec.load(file);
      assertThat(fit.name()).isNotBlank();
      assertThat(fit.config()).isNotNull();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReplaySpec.load(file))
          .hasMessageStartingWith("mode: \"fit\" is not allowed; allowed here: prequential or holdout");
      return;
    }
    ReplaySpec spec = ReplaySpec.load(file);
    assertThat(spec.name()).isNotBlank();
    if (!spec.holdoutMode()) {
      assertThat(spec.configs()).isNotEmpty();
    }
  }

  @Test
  void inlineSectionsReplaceTheJobFilesInTheDefaultAndInEveryEntryThatSetsThem() {
    ReplaySpec spec = ReplaySpec.load(Path.of("jobs/replay/demo-optimizers.yaml"));
    assertThat(spec.configs()).extracting(ReplaySpec.Config::name)
        .containsExactly("production", "adam", "adamw-warmup");
    // The demo job trains hyperplane with SGD-Nesterov; the "adam" configuration replaces that entry's optimizer.
    assertThat(spec.configs().get(0).route("hyperplane").optimizer().create(1).type()).startsWith("sgd");
    assertThat(spec.configs().get(1).route("hyperplane").optimizer().create(1).type()).startsWith("adam");
    assertThat(spec.configs().get(1).route("breast-cancer").optimizer().create(1).type()).startsWith("adam");
    assertThat(spec.configs().get(2).route("hyperplane").hasSchedule()).isTrue();
    assertThat(spec.configs().get(0).route("other")).isNull();
    assertThat(spec.labelDelay().samples()).isEqualTo(100);
    assertThat(spec.source().end().kind()).isEqualTo(ReplaySpec.Bound.Kind.LATEST);
  }

  static Map<String, Object> base() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "t");
    m.put("source", Map.of("topic", "s", "start", Map.of("offsets", Map.of("0", 5, "1", 7)),
        "end", Map.of("timestamp", 1767225600000L)));
    m.put("configs", List.of(Map.of("name", "a", "model", Map.of("type", "logistic", "features", Map.of("dense", 3)),
        "optimizer", Map.of("type", "sgd", "lr", 0.1))));
    return m;
  }

  @Test
  void boundsParse() {
    ReplaySpec spec = new ReplaySpec(base(), Path.of("."));
    assertThat(spec.source().start().offsets()).containsEntry(0, 5L).containsEntry(1, 7L);
    assertThat(spec.source().end().timestamp()).isEqualTo(1767225600000L);
  }

  @Test
  void aDataParallelConfigurationIsReplayedAsRoundsWithoutALabelDelay() {
    Map<String, Object> m = base();
    Map<String, Object> c = new LinkedHashMap<>(((List<Map<String, Object>>) m.get("configs")).get(0));
    c.put("parallel", Map.of("workers", 2, "round_samples", 100));
    m.put("configs", List.of(c));
    ReplaySpec spec = new ReplaySpec(m, Path.of("."));
    assertThat(spec.configs().get(0).job().parallel().workers()).isEqualTo(2);
    assertThat(spec.configs().get(0).job().parallel().roundSamples()).isEqualTo(100);
    m.put("label_delay", Map.of("samples", 10));
    fails(m, "configs.a.parallel.workers", "2", "without label_delay");
    m.remove("label_delay");
    c.put("optimizer", Map.of("type", "ftrl", "lr", 0.1));
    fails(m, "parallel.workers", "FTRL");
  }

  @Test
  void categoricalColumnsOfAFileAreAListOrNamesSeparatedByCommas() {
    assertThat(ReplaySources.categorical("a, b,c")).containsExactly("a", "b", "c");
    assertThat(ReplaySources.categorical(List.of("x", "y"))).containsExactly("x", "y");
    assertThat(ReplaySources.categorical(null)).isEmpty();
    assertThatThrownBy(() -> ReplaySources.categorical(List.of("x", 3))).isInstanceOf(SpecException.class)
        .hasMessageContainingAll("source.categorical", "column names");
  }

  static void fails(Map<String, Object> m, String... fragments) {
    assertThatThrownBy(() -> new ReplaySpec(m, Path.of("."))).isInstanceOf(SpecException.class)
        .hasMessageContainingAll(fragments);
  }

  @Test
  void errorsNameTheKeyTheValueAndWhatIsAllowed() {
    Map<String, Object> m = base();
    m.put("mode", "batch");
    fails(m, "mode", "batch", "prequential", "holdout");
    m = base();
    m.put("source", Map.of("topic", "s", "start", "yesterday"));
    fails(m, "source.start", "yesterday", "earliest");
    m = base();
    m.put("source", Map.of("topic", "s", "file", "x.csv"));
    fails(m, "source", "exactly one of topic or file");
    m = base();
    m.put("configs", List.of(Map.of("name", "a", "model", Map.of("type", "logistic", "features", Map.of("dense", 3)),
        "optimizer", Map.of("type", "sgd", "lr", -1))));
    fails(m, "lr", "-1");
    m = base();
    m.put("metrics", Map.of("fading_alpha", 1.5));
    fails(m, "metrics.fading_alpha", "1.5");
    m = base();
    m.put("label_delay", Map.of("samples", -3));
    fails(m, "label_delay.samples", "-3");
    m = base();
    m.put("configs", List.of(Map.of("name", "a", "job", "jobs/demo.yaml"), Map.of("name", "a", "job",
        "jobs/demo.yaml")));
    fails(m, "configs", "a", "unique");
    m = base();
    m.put("holdout", Map.of("model_id", "x", "topic", "models"));
    fails(m, "holdout", "mode: holdout");
    m = base();
    m.put("colour", "blue");
    fails(m, "colour");
  }
}
