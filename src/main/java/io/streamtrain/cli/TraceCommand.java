package io.streamtrain.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code streamtrain trace ...}: the conformance interface. Each subcommand reads a JSON spec, runs the core and
 * prints JSON to stdout, so anyone can compare streamtrain against their own framework step by step.
 */
@Command(
    name = "trace",
    mixinStandardHelpOptions = true,
    description = "Run the core on a JSON spec and print the trajectory as JSON (conformance interface).",
    subcommands = {
      TraceOptimizerCommand.class,
      TraceClipCommand.class,
      TraceScheduleCommand.class,
      TraceTrainCommand.class,
      TraceLbfgsCommand.class,
      TraceFitCommand.class
    })
public final class TraceCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
