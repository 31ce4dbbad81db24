package io.streamtrain.arch;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 14's size rules, kept: no main source file over 400 lines, and no Flink function (a top-level class that
 * implements Flink's {@code Function}: process, map, flatMap, sink and source functions) over 150; what a function
 * needs beyond wiring belongs in a core class tested without Flink.
 */
class SizeTest {
  private static final Path MAIN = Path.of("src/main/java");

  static long lines(Path p) {
    try (Stream<String> s = Files.lines(p)) {
      return s.count();
    } catch (IOException e) {
      throw new IllegalStateException(p.toString(), e);
    }
  }

  @Test
  void noMainSourceFileIsOver400Lines() throws IOException {
    List<String> over = new ArrayList<>();
    try (Stream<Path> files = Files.walk(MAIN)) {
      files.filter(p -> p.toString().endsWith(".java")).forEach(p -> {
        long n = lines(p);
        if (n > 400) {
          over.add(MAIN.relativize(p) + " " + n);
        }
      });
    }
    assertThat(over).isEmpty();
  }

  @Test
  void noFlinkFunctionIsOver150Lines() {
    JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.streamtrain");
    List<String> over = new ArrayList<>();
    int functions = 0;
    for (JavaClass c : classes) {
      if (c.isTopLevelClass() && !c.isInterface()
          && c.isAssignableTo("org.apache.flink.api.common.functions.Function")) {
        functions++;
        Path p = MAIN.resolve(c.getPackageName().replace('.', '/')).resolve(c.getSimpleName() + ".java");
        long n = lines(p);
        if (n > 150) {
          over.add(c.getName() + " " + n);
        }
      }
    }
    assertThat(functions).as("Flink functions found").isGreaterThan(10);
    assertThat(over).isEmpty();
  }
}
