package io.streamtrain.cli;

import io.streamtrain.core.SpecException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code streamtrain} command line: one picocli subcommand per task (trace, broker, produce, consume, train,
 * replay, watch, demo). Exit status 0 on success, 2 for a bad command line or a malformed spec (the message names
 * the key and what is allowed), 1 for a failure while running.
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
      ConsumeCommand.class,
      TrainCommand.class,
      DemoCommand.class,
      WatchCommand.class
    })
public final class Main implements Runnable {

  public static final int EXIT_SPEC_ERROR = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

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
          if (ex instanceof SpecException) {
            commandLine.getErr().println("error: " + ex.getMessage());
            return EXIT_SPEC_ERROR;
          }
          throw ex;
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
      return new String[] {"streamtrain " + (v == null ? "dev" : v)};
    }
  }
}
