package dev.vigil;

/**
 * A failure at start that the operator can act on (unreachable database, failed migration, bad
 * setting). {@link Main} prints its message as one line and exits non-zero, without a stack trace.
 */
public final class StartupException extends RuntimeException {
  public StartupException(String message) {
    super(message);
  }

  public StartupException(String message, Throwable cause) {
    super(message, cause);
  }
}
