package dev.vigil.http;

import java.util.Map;

/**
 * A query parameter that does not parse or is out of range. Routes answer it with 400 and {@code
 * {"error": {"code": "invalid_parameter", "details": {"parameter": name}}}}.
 */
public final class InvalidParameterException extends IllegalArgumentException {
  private final String parameter;

  public InvalidParameterException(String parameter, String message) {
    super(message);
    this.parameter = parameter;
  }

  public String parameter() {
    return parameter;
  }

  /** The 400 body. */
  public ApiError toApiError() {
    return new ApiError("invalid_parameter", getMessage(), Map.of("parameter", parameter));
  }
}
