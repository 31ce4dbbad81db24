package io.streamtrain.cli;

import io.streamtrain.core.SpecReader;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The shape every {@code streamtrain trace} subcommand shares: read a JSON spec ({@code --spec FILE.json}, '-' for
 * standard input), run the trace on it, print the result as one JSON document. A malformed spec surfaces as the
 * SpecException the trace throws (exit 2, naming the key).
 */
abstract class JsonTraceCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--spec", required = true, paramLabel = "FILE.json", description = "The trace spec (- for stdin).")
  Path specFile;

  /** The trace's JSON result for a parsed spec. */
  abstract Map<String, Object> result(SpecReader r);

  @Override
  public void run() {
    spec.commandLine().getOut().println(JsonSpecs.write(result(new SpecReader("", JsonSpecs.read(specFile)))));
    spec.commandLine().getOut().flush();
  }
}
