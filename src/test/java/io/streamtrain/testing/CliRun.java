package io.streamtrain.testing;

import io.streamtrain.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * One `streamtrain` command run through the picocli entry point in this JVM, as tests of the command line need it:
 * the exit code and everything it printed to stdout and stderr.
 */
public record CliRun(int exit, String out, String err) {
  public static CliRun run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.newCommandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }
}
