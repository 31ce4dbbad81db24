package io.streamtrain.avro;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.Test;

/**
 * Every schema in schemas/*.avsc must stay backward compatible (new readers read old data) and forward
 * compatible (old readers read new data) with its latest committed version under schemas/history/NAME/vN.avsc,
 * and every field must carry a doc and a default so the next change can stay compatible too.
 */
class SchemaCompatibilityTest {
  static final Path SCHEMAS = Path.of("schemas");

  static List<Path> currentSchemas() throws IOException {
    try (Stream<Path> s = Files.list(SCHEMAS)) {
      return s.filter(p -> p.toString().endsWith(".avsc")).sorted().toList();
    }
  }

  static Path latestHistory(String name) throws IOException {
    Path dir = SCHEMAS.resolve("history").resolve(name);
    assertThat(dir).as("history directory for " + name).isDirectory();
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches("v\\d+\\.avsc"))
          .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().replaceAll("\\D", ""))))
          .orElseThrow(() -> new AssertionError("no vN.avsc under " + dir));
    }
  }

  @Test
  void allContractsExist() throws IOException {
    List<String> names = new ArrayList<>();
    for (Path p : currentSchemas()) {
      names.add(p.getFileName().toString().replace(".avsc", ""));
    }
    assertThat(names)
        .contains("Sample", "TrainingMetrics", "ModelSnapshot", "RejectedSample", "EvaluationResult", "ScoreRequest",
            "Prediction");
  }

  @Test
  void everySchemaIsBackwardAndForwardCompatibleWithItsLatestHistoryVersion() throws IOException {
    for (Path current : currentSchemas()) {
      String name = current.getFileName().toString().replace(".avsc", "");
      Schema now = new Schema.Parser().parse(current.toFile());
      Schema before = new Schema.Parser().parse(latestHistory(name).toFile());
      assertThat(now.getFullName()).isEqualTo("io.streamtrain.avro." + name);
      var backward = SchemaCompatibility.checkReaderWriterCompatibility(now, before);
      assertThat(backward.getType())
          .as(name + ": current reader must read data written with the previous version: " + backward.getDescription())
          .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
      var forward = SchemaCompatibility.checkReaderWriterCompatibility(before, now);
      assertThat(forward.getType())
          .as(name + ": previous reader must read data written with the current version: " + forward.getDescription())
          .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }
  }

  @Test
  void generatedClassesMatchTheSchemaFiles() throws IOException {
    // The generated classes carry avro.java.string properties; the parsing canonical form ignores those.
    assertSameForm(Sample.getClassSchema(), parse("Sample"));
    assertSameForm(TrainingMetrics.getClassSchema(), parse("TrainingMetrics"));
    assertSameForm(ModelSnapshot.getClassSchema(), parse("ModelSnapshot"));
    assertSameForm(RejectedSample.getClassSchema(), parse("RejectedSample"));
    assertSameForm(EvaluationResult.getClassSchema(), parse("EvaluationResult"));
    assertSameForm(ScoreRequest.getClassSchema(), parse("ScoreRequest"));
    assertSameForm(Prediction.getClassSchema(), parse("Prediction"));
  }

  @Test
  void everyTopLevelFieldHasDocAndDefault() throws IOException {
    for (Path current : currentSchemas()) {
      Schema s = new Schema.Parser().parse(current.toFile());
      assertThat(s.getDoc()).as(s.getName() + " doc").isNotBlank();
      for (Schema.Field f : s.getFields()) {
        assertThat(f.doc()).as(s.getName() + "." + f.name() + " doc").isNotBlank();
        assertThat(f.hasDefaultValue()).as(s.getName() + "." + f.name() + " default").isTrue();
      }
    }
  }

  /** A removed field without a default is what breaks old readers: prove the check would catch it. */
  @Test
  void theCheckRejectsAnIncompatibleChange() {
    Schema v1 =
        new Schema.Parser()
            .parse("{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"a\",\"type\":\"long\"}]}");
    Schema v2 =
        new Schema.Parser()
            .parse("{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"b\",\"type\":\"long\"}]}");
    assertThat(SchemaCompatibility.checkReaderWriterCompatibility(v2, v1).getType())
        .isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
  }

  private static void assertSameForm(Schema generated, Schema file) {
    assertThat(SchemaNormalization.toParsingForm(generated)).isEqualTo(SchemaNormalization.toParsingForm(file));
  }

  private static Schema parse(String name) throws IOException {
    return new Schema.Parser().parse(SCHEMAS.resolve(name + ".avsc").toFile());
  }
}
