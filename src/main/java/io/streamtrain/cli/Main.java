package io.streamtrain.cli;

import io.streamtrain.core.SpecException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code streamtrain} command line: one picocli subcommand per task (trace, broker, produce, consume, train, serve, fit,
 * replay, watch, demo). Exit status 0 on success, 2 for a bad command line or a malformed spec (the message names
 * the key and what is allowed), 1 for a failure while running. Every failure is one line on stderr, {@code error:
 * ...}; {@code --verbose} (any subcommand) adds the stack trace.
 */
@Command(
    name = "streamtrain",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Streaming online learning on Apache Flink and Kafka.",
    subcommands = {
      CommandLine.HelpCommand.class,
      TraceCommand.class,
      BrokerCommand.class,
      ProduceCommand.class,
      ProduceClicksCommand.class,
      ReplayCommand.class,
      FitCommand.class,
      ConsumeCommand.class,
      TrainCommand.class,
      ServeCommand.class,
      DemoCommand.class,
      WatchCommand.class,
      DashboardCommand.class,
      ExportCommand.class
    })
public final class Main implements Runnable {

  public static final int EXIT_SPEC_ERROR = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  // Read from the parse result by the exception handler; declared here so every subcommand accepts it.
  @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
      description = "On an error, print the stack trace too.")
  boolean verbose;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the CLI and returns its exit status; tests call this instead of {@link #main}. */
  public static int execute(String... args) {
    return newCommandLine().execute(args);
  }

  public static CommandLine newCommandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          java.io.PrintWriter err = commandLine.getErr();
          if (ex instanceof SpecException) {
            err.println("error: " + ex.getMessage());
            err.flush();
            return EXIT_SPEC_ERROR;
          }
          boolean verbose = parseResult.originalArgs().contains("--verbose");
          if (verbose) {
            ex.printStackTrace(err);
          }
          if (ex instanceof CliException) {
            err.println("error: " + ex.getMessage());
          } else {
            // Unexpected: the innermost cause usually names what failed; the outer layers only say where.
            Throwable root = ex;
            while (root.getCause() != null && root.getCause() != root) {
              root = root.getCause();
            }
            err.println("error: " + root.getClass().getSimpleName()
                + (root.getMessage() != null ? ": " + root.getMessage() : "")
                + (verbose ? "" : " (--verbose for the stack trace)"));
          }
          err.flush();
          return 1;
        });
    return cl;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      // Without a manifest (classes run straight from target/classes, e.g. in an IDE) there is no version to read.
      return new String[] {"streamtrain " + (v == null ? "(development build: no jar manifest)" : v),
          "Java " + System.getProperty("java.version") + ", Apache Flink "
              + org.apache.flink.runtime.util.EnvironmentInformation.getVersion() + ", Kafka clients "
              + org.apache.kafka.common.utils.AppInfoParser.getVersion()};
    }
  }
}
