package dev.vigil.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;

import dev.vigil.writer.WriterUnavailableException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.scaladsl.model.EntityStreamException;
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
    return ExceptionHandler.newBuilder().matchAny(e -> complete(toResponse(unwrap(e)))).build();
  }

  /** The response for an exception that escaped a route (futures wrap it; unwrapped first). */
  static HttpResponse toResponse(Throwable e) {
    if (e instanceof WriterUnavailableException w) {
      return ApiError.of("storage_unavailable", w.getMessage())
          .toResponse(StatusCodes.SERVICE_UNAVAILABLE)
          .addHeader(RetryAfter.create(w.retryAfterSeconds()));
    }
    if (e instanceof EntityStreamSizeException size) {
      return new ApiError(
              "payload_too_large",
              "request body is larger than the limit",
              Map.of("limitBytes", size.limit()))
          .toResponse(StatusCodes.PAYLOAD_TOO_LARGE);
    }
    if (e instanceof EntityStreamException stream) {
      // A streamed (chunked) body that ran past the limit, or one that broke off mid-way.
      boolean tooLarge = stream.info().summary().startsWith("Request too large");
      return ApiError.of(tooLarge ? "payload_too_large" : "bad_request", stream.info().summary())
          .toResponse(tooLarge ? StatusCodes.PAYLOAD_TOO_LARGE : StatusCodes.BAD_REQUEST);
    }
    log.error("Unhandled error in a route", e);
    return ApiError.of("internal_error", "internal error; see the server log")
        .toResponse(StatusCodes.INTERNAL_SERVER_ERROR);
  }

  private static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
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
