package dev.vigil.http;

import dev.vigil.writer.WriterUnavailableException;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns rejections and exceptions into status codes and the JSON error body, so
 * every route answers errors the same way.
 */
public final class Errors {
  private static final Logger log = LoggerFactory.getLogger(Errors.class);

  private Errors() {}

  /** Pekko's default rejection handling (right status codes), with the body turned into JSON. */
  public static RejectionHandler rejectionHandler() {
    return RejectionHandler.defaultHandler().mapRejectionResponse(Errors::toJsonError);
  }

  public static ExceptionHandler exceptionHandler() {
    return ExceptionHandler.newBuilder()
        .match(
            WriterUnavailableException.class,
            e ->
                org.apache.pekko.http.javadsl.server.Directives.complete(
                    ApiError.of("storage_unavailable", e.getMessage())
                        .toResponse(StatusCodes.SERVICE_UNAVAILABLE)
                        .addHeader(RetryAfter.create(e.retryAfterSeconds()))))
        .match(
            EntityStreamSizeException.class,
            e ->
                org.apache.pekko.http.javadsl.server.Directives.complete(
                    new ApiError(
                            "payload_too_large",
                            "request body is larger than the limit",
                            Map.of("limitBytes", e.limit()))
                        .toResponse(StatusCodes.PAYLOAD_TOO_LARGE)))
        .matchAny(
            e -> {
              log.error("Unhandled error in a route", e);
              return org.apache.pekko.http.javadsl.server.Directives.complete(
                  ApiError.of("internal_error", "internal error; see the server log")
                      .toResponse(StatusCodes.INTERNAL_SERVER_ERROR));
            })
        .build();
  }

  private static HttpResponse toJsonError(HttpResponse response) {
    if (response.entity() instanceof HttpEntity.Strict strict
        && strict.getContentType().mediaType().isText()) {
      String message = strict.getData().utf8String().strip();
      ApiError error = ApiError.of(ApiError.codeFor(response.status()), message);
      return error.toResponse(response.status()).addHeaders(response.getHeaders());
    }
    return response;
  }
}
