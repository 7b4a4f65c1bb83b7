package dev.vigil.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;

import dev.vigil.util.Text;
import dev.vigil.writer.WriterUnavailableException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Map;
import java.util.Optional;
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

  /** PostgreSQL's query_canceled: the statement timeout, or a cancel request. */
  private static final String QUERY_CANCELED = "57014";

  /** SQLState class 08: the connection failed or could not be made (but 08P01, a bug). */
  private static final String CONNECTION_EXCEPTION = "08";

  private static final String PROTOCOL_VIOLATION = "08P01";

  /** Class 57's P codes: the server shut down or ended the connection (admin_shutdown, …). */
  private static final String SERVER_ENDED_CONNECTION = "57P";

  /** character_not_in_repertoire: PostgreSQL's answer to a NUL character in a text value. */
  private static final String NOT_IN_REPERTOIRE = "22021";

  /** untranslatable_character: its answer to a {@code \u0000} in a jsonb value. */
  private static final String UNTRANSLATABLE = "22P05";

  /** PostgreSQL has no connection slot left. */
  private static final String TOO_MANY_CONNECTIONS = "53300";

  /** What writes answer when the database is away (WriterUnavailableException). */
  private static final long STORAGE_RETRY_SECONDS = 5;

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
    if (e instanceof SQLException sql) {
      Optional<HttpResponse> storage = storageFailure(sql);
      if (storage.isPresent()) {
        return storage.get();
      }
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

  /**
   * A query PostgreSQL cancelled (the query timeout) or a database that could not be reached is the
   * store's state, not a bug: 503 with a code that says which, not 500 with a stack trace. A NUL
   * character in a value that reached a query is the request's mistake: 400.
   */
  private static Optional<HttpResponse> storageFailure(SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    if (state.equals(QUERY_CANCELED)) {
      log.warn("A query was cancelled: {}", e.getMessage());
      return Optional.of(
          ApiError.of(
                  "query_timeout",
                  "the query was cancelled: it ran longer than the database's query timeout"
                      + " (a narrower window may help)")
              .toResponse(StatusCodes.SERVICE_UNAVAILABLE));
    }
    if (state.equals(NOT_IN_REPERTOIRE) || state.equals(UNTRANSLATABLE)) {
      // input that no check before the query caught: a path segment, a name
      return Optional.of(
          ApiError.of("bad_request", "a value in the request " + Text.NUL_RULE)
              .toResponse(StatusCodes.BAD_REQUEST));
    }
    boolean unreachable =
        (state.startsWith(CONNECTION_EXCEPTION) && !state.equals(PROTOCOL_VIOLATION))
            || state.startsWith(SERVER_ENDED_CONNECTION)
            || state.equals(TOO_MANY_CONNECTIONS);
    String message;
    if (e instanceof SQLTransientConnectionException && e.getCause() == null) {
      // the pool's wait ran out with no failed attempt to connect behind it: all were busy
      message = "no database connection was free in time; retry later";
    } else if (e instanceof SQLTransientConnectionException || unreachable) {
      message = "the database is unreachable; retry later";
    } else {
      return Optional.empty();
    }
    log.warn("A query could not be served: {}", e.getMessage());
    return Optional.of(
        ApiError.of("storage_unavailable", message)
            .toResponse(StatusCodes.SERVICE_UNAVAILABLE)
            .addHeader(RetryAfter.create(STORAGE_RETRY_SECONDS)));
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
