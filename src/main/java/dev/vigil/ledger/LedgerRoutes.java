package dev.vigil.ledger;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.respondWithHeader;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.http.ApiError;
import dev.vigil.http.Auth;
import dev.vigil.http.Bodies;
import dev.vigil.http.Json;
import dev.vigil.http.Preferences;
import dev.vigil.tenancy.Site;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code POST /v1/ai/requests} and {@code POST /v1/tools/executions} (a site's server key): one row
 * as a JSON object or a batch as an array. Oversized bodies are refused before parsing; any invalid
 * field refuses the whole body with every error named. The answer comes after the commit: 201 with
 * the stored rows when something was new, 200 when every row was a repeat (each row says which).
 * With {@code Prefer: return=minimal} (RFC 7240) each row is answered by its id, whether it was a
 * repeat and, for a call, its stored cost: what a writer needs, without the rows echoed in full.
 */
public final class LedgerRoutes {

  /**
   * The answer to a batch, rows in the order sent (each a {@link LedgerIngest.Recorded} or its
   * minimal answer).
   */
  public record Batch<R>(int created, int duplicates, List<R> rows) {}

  /** A call answered minimally: its id, whether it was a repeat, and the cost stored for it. */
  public record MinimalCall(
      boolean duplicate, String requestId, long costMicrodollars, boolean priced) {
    static MinimalCall of(LedgerIngest.Recorded<AiRequestView> r) {
      return new MinimalCall(
          r.duplicate(), r.row().requestId(), r.row().costMicrodollars(), r.row().priced());
    }
  }

  /** A tool run answered minimally: its id and whether it was a repeat. */
  public record MinimalRun(boolean duplicate, String executionId) {
    static MinimalRun of(LedgerIngest.Recorded<ToolExecutionView> r) {
      return new MinimalRun(r.duplicate(), r.row().executionId());
    }
  }

  /** A body's handler: the site, the parsed body, and what the request asked to be returned. */
  private interface Handler {
    Route handle(Site site, JsonNode root, Preferences.Return returns);
  }

  private final ActorSystem<?> system;
  private final Auth auth;
  private final LedgerParser parser;
  private final LedgerIngest ingest;
  private final long maxBodyBytes;

  public LedgerRoutes(
      ActorSystem<?> system,
      Auth auth,
      LedgerParser parser,
      LedgerIngest ingest,
      long maxBodyBytes) {
    this.system = system;
    this.auth = auth;
    this.parser = parser;
    this.ingest = ingest;
    this.maxBodyBytes = maxBodyBytes;
  }

  public Route route() {
    return pathPrefix(
        "v1",
        () ->
            concat(
                path(
                    segments("ai", "requests"),
                    () -> post(() -> auth.serverKey(site -> body(site, this::aiRequests)))),
                path(
                    segments("tools", "executions"),
                    () -> post(() -> auth.serverKey(site -> body(site, this::toolExecutions))))));
  }

  private static org.apache.pekko.http.javadsl.server.PathMatcher0 segments(String a, String b) {
    return org.apache.pekko.http.javadsl.server.PathMatchers.segment(a).slash(b);
  }

  private Route body(Site site, Handler handler) {
    return extractRequest(
        request -> {
          var entity = request.entity();
          if (entity.getContentLengthOption().isPresent()
              && entity.getContentLengthOption().getAsLong() > maxBodyBytes) {
            return complete(
                new ApiError(
                        "payload_too_large",
                        "request body is larger than the limit",
                        Map.of("limitBytes", maxBodyBytes))
                    .toResponse(StatusCodes.PAYLOAD_TOO_LARGE));
          }
          if (!entity.getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
            return complete(
                new ApiError(
                        "unsupported_media_type",
                        "send application/json",
                        Map.of("contentType", entity.getContentType().mediaType().toString()))
                    .toResponse(StatusCodes.UNSUPPORTED_MEDIA_TYPE));
          }
          return onSuccess(
              Bodies.whole(entity, maxBodyBytes, system),
              body -> parse(body.toArray(), site, Preferences.returnOf(request), handler));
        });
  }

  private Route parse(byte[] body, Site site, Preferences.Return returns, Handler handler) {
    try {
      JsonNode root = Json.MAPPER.readTree(body);
      return handler.handle(site, root, returns);
    } catch (IOException e) {
      String detail = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
      return invalid(List.of(new FieldError(0, "body", "is not valid JSON: " + detail)));
    }
  }

  private Route aiRequests(Site site, JsonNode root, Preferences.Return returns) {
    LedgerParser.Parsed<AiRequest> parsed = parser.aiRequests(root);
    if (!parsed.valid()) {
      return invalid(parsed.errors());
    }
    return answer(
        root.isArray(), returns, MinimalCall::of, ingest.recordAiRequests(site, parsed.rows()));
  }

  private Route toolExecutions(Site site, JsonNode root, Preferences.Return returns) {
    LedgerParser.Parsed<ToolExecution> parsed = parser.toolExecutions(root);
    if (!parsed.valid()) {
      return invalid(parsed.errors());
    }
    return answer(
        root.isArray(), returns, MinimalRun::of, ingest.recordToolExecutions(site, parsed.rows()));
  }

  private static <V> Route answer(
      boolean batch,
      Preferences.Return returns,
      Function<LedgerIngest.Recorded<V>, ?> minimal,
      CompletionStage<List<LedgerIngest.Recorded<V>>> stored) {
    boolean brief = returns == Preferences.Return.MINIMAL;
    Function<LedgerIngest.Recorded<V>, ?> each = brief ? minimal : Function.identity();
    return onSuccess(
        stored,
        rows -> {
          int duplicates = (int) rows.stream().filter(LedgerIngest.Recorded::duplicate).count();
          int created = rows.size() - duplicates;
          var status = created > 0 ? StatusCodes.CREATED : StatusCodes.OK;
          Object body =
              batch
                  ? new Batch<>(created, duplicates, rows.stream().map(each).toList())
                  : each.apply(rows.get(0));
          Route answer = complete(status, body, Json.marshaller());
          return brief ? respondWithHeader(Preferences.APPLIED, () -> answer) : answer;
        });
  }

  /** 400 naming every refused field: {@code details.errors = [{index, field, reason}]}. */
  static Route invalid(List<FieldError> errors) {
    FieldError first = errors.get(0);
    String message =
        errors.size()
            + (errors.size() == 1 ? " invalid field" : " invalid fields")
            + "; first: ["
            + first.index()
            + "]."
            + first.field()
            + " "
            + first.reason();
    return complete(
        new ApiError("invalid_field", message, Map.of("errors", errors))
            .toResponse(StatusCodes.BAD_REQUEST));
  }
}
