package dev.vigil.writer;

/**
 * The writer could not take or store rows: its queue is full, it is shut down, or the database
 * refused the flush. Nothing of the request was acknowledged; the HTTP layer answers 503 with
 * Retry-After so that the sender tries again.
 */
public final class WriterUnavailableException extends RuntimeException {

  /** Why the rows were not stored. */
  public enum Reason {
    QUEUE_FULL,
    CLOSED,
    STORAGE_FAILED
  }

  private final Reason reason;

  public WriterUnavailableException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  /** A full queue drains in well under a second; a failing database needs longer. */
  public long retryAfterSeconds() {
    return reason == Reason.STORAGE_FAILED ? 5 : 1;
  }
}
