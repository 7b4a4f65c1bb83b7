package dev.vigil.http;

import java.util.Map;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/**
 * The error body of every non-2xx answer: {@code {"error": {"code", "message", "details"}}}. {@code
 * code} is a stable machine-readable word; {@code message} is for people.
 */
public record ApiError(String code, String message, Map<String, Object> details) {

  /** The wire envelope. */
  public record Body(ApiError error) {}

  public ApiError {
    details = details == null ? Map.of() : Map.copyOf(details);
  }

  public static ApiError of(String code, String message) {
    return new ApiError(code, message, Map.of());
  }

  public HttpResponse toResponse(StatusCode status) {
    try {
      byte[] body = Json.MAPPER.writeValueAsBytes(new Body(this));
      return HttpResponse.create()
          .withStatus(status)
          .withEntity(ContentTypes.APPLICATION_JSON, body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return HttpResponse.create().withStatus(StatusCodes.INTERNAL_SERVER_ERROR);
    }
  }

  /** A lower_snake word for a status, used when a rejection has no more specific code. */
  public static String codeFor(StatusCode status) {
    return switch (status.intValue()) {
      case 400 -> "bad_request";
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 406 -> "not_acceptable";
      case 413 -> "payload_too_large";
      case 415 -> "unsupported_media_type";
      case 429 -> "too_many_requests";
      case 503 -> "unavailable";
      default -> status.isFailure() ? "error" : "ok";
    };
  }
}
