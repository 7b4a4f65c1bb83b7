package dev.vigil.engagement;

/**
 * The batch as a whole is unusable (not JSON, not an object, a missing or malformed envelope field,
 * too many events): answered 400 naming the field.
 */
public final class EnvelopeException extends RuntimeException {
  private final String field;

  public EnvelopeException(String field, String message) {
    super(message);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
