package io.streamtrain.cli;

/**
 * A failure while a command runs whose message already says, in one line, what went wrong and where (an
 * unreachable broker, a missing topic or savepoint, a truncated input file). {@link Main} prints it as {@code
 * error: MESSAGE} and exits 1; the stack trace only with {@code --verbose}.
 */
public class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CliException(String message) {
    super(message);
  }

  public CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
