package io.streamtrain.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's key tables are the ones the spec sections' declarations generate. */
class ConfigDocsTest {
  @Test
  void readmeTablesMatchTheDeclarations() throws Exception {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    for (String name : ConfigDocs.tables().keySet()) {
      assertThat(readme).as("README marker for table %s", name).contains("<!-- config:" + name + " -->\n");
    }
    assertThat(readme)
        .as("README.md's key tables differ from the declarations; regenerate them with io.streamtrain.cli.ConfigDocs")
        .isEqualTo(ConfigDocs.render(readme));
  }
}
