package io.streamtrain.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A `streamtrain` command in its own JVM, as bin/streamtrain starts it (the --add-opens Flink needs on Java 17, the
 * project's Log4j configuration, target/classes and target/classpath.txt), for tests that signal or kill it.
 */
public final class CliProcess {
  private CliProcess() {}

  /** Starts {@code args} with these extra JVM options; stdout and stderr go to {@code out} and {@code err}. */
  public static Process start(List<String> jvmOptions, List<String> args, Path out, Path err) throws IOException {
    Path home = Path.of(".").toAbsolutePath().normalize();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    for (String open : List.of("java.util", "java.lang", "java.lang.invoke", "java.nio", "sun.nio.ch", "java.net",
        "java.io", "java.time", "java.util.concurrent", "java.util.concurrent.atomic", "java.lang.reflect",
        "java.text", "java.math")) {
      cmd.add("--add-opens=java.base/" + open + "=ALL-UNNAMED");
    }
    cmd.add("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.streamtrain.avro");
    cmd.add("-Dlog4j2.configurationFile=" + home.resolve("conf/log4j2.xml"));
    cmd.add("-Dstreamtrain.home=" + home);
    cmd.add("-cp");
    cmd.add(home.resolve("target/classes") + File.pathSeparator
        + Files.readString(home.resolve("target/classpath.txt")).trim());
    cmd.add("io.streamtrain.cli.Main");
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile());
    return (out.equals(err) ? pb.redirectErrorStream(true) : pb.redirectError(err.toFile())).start();
  }
}
