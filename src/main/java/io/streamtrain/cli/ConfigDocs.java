package io.streamtrain.cli;

import io.streamtrain.core.config.ConfigTable;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.job.JobSpec;
import io.streamtrain.job.ServeSpec;
import io.streamtrain.replay.FitSpec;
import io.streamtrain.replay.ReplaySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's key tables, generated from the spec sections' declarations. Each table sits between
 * {@code <!-- config:NAME -->} and {@code <!-- /config -->}; {@code ConfigDocsTest} fails when the README differs
 * from {@link #tables()}, and {@code main} rewrites the README's tables from the declarations: after
 * {@code mvn -q compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt}, run
 * {@code java -cp target/classes:$(cat target/cp.txt) io.streamtrain.cli.ConfigDocs README.md}.
 */
public final class ConfigDocs {
  private static final Pattern BLOCK =
      Pattern.compile("(<!-- config:([a-z-]+) -->\\n)(.*?)(<!-- /config -->)", Pattern.DOTALL);

  private ConfigDocs() {}

  /** Each table by its marker name. */
  public static Map<String, String> tables() {
    Map<String, String> t = new LinkedHashMap<>();
    t.put("training", ConfigTable.markdown(JobSpec.SPEC, "key"));
    t.put("replay", ConfigTable.markdown(ReplaySpec.SPEC, "replay key"));
    t.put("fit", ConfigTable.markdown(FitSpec.SPEC, "fit key"));
    t.put("generators", ConfigTable.markdown(Generators.docs(), "generator parameter"));
    t.put("serve", ConfigTable.markdown(ServeSpec.SPEC, "serve key"));
    return t;
  }

  /** {@code readme} with every marked table replaced by the generated one; an unknown marker name fails. */
  public static String render(String readme) {
    Map<String, String> tables = tables();
    Matcher m = BLOCK.matcher(readme);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String table = tables.get(m.group(2));
      if (table == null) {
        throw new IllegalArgumentException("README marker config:" + m.group(2) + " names no table; known: "
            + tables.keySet());
      }
      m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + table + m.group(4)));
    }
    m.appendTail(out);
    return out.toString();
  }

  public static void main(String[] args) throws IOException {
    Path readme = Path.of(args.length > 0 ? args[0] : "README.md");
    String text = Files.readString(readme, StandardCharsets.UTF_8);
    Files.writeString(readme, render(text), StandardCharsets.UTF_8);
  }
}
