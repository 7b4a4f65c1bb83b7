package dev.vigil.engagement;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.options;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.fingerprint.SiteTraffic;
import dev.vigil.http.ApiError;
import dev.vigil.http.Bodies;
import dev.vigil.http.Cors;
import dev.vigil.http.Json;
import dev.vigil.session.Activity.PageSignal;
import dev.vigil.session.SessionEntity;
import dev.vigil.stream.LiveEvents;
import dev.vigil.tenancy.Site;
import dev.vigil.tenancy.TenantDirectory;
import dev.vigil.writer.AppendWriter;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.util.ByteString;

/**
 * {@code POST /v1/collect}: a batch of tracker beacons. Oversized bodies and wrong content types
 * are refused before parsing; the envelope must parse (400) and name a known site key (401); each
 * event is then validated on its own and the valid ones are stored even when others are not. The
 * 202 is sent only after the accepted rows are committed; then the session entity is told.
 */
public final class CollectRoutes {

  /** The 202 body. */
  public record Accepted(int accepted, List<Rejection> rejected) {}

  private final ActorSystem<?> system;
  private final TenantDirectory directory;
  private final BeaconValidator validator;
  private final AppendWriter<EngagementTable.Row> writer;
  private final SiteTraffic siteTraffic;
  private final ClusterSharding sharding;
  private final Cors cors;
  private final long maxBodyBytes;
  private final Clock clock;

  public CollectRoutes(
      ActorSystem<?> system,
      TenantDirectory directory,
      AppendWriter<EngagementTable.Row> writer,
      SiteTraffic siteTraffic,
      long maxBodyBytes,
      Clock clock) {
    this.system = system;
    this.directory = directory;
    this.validator = new BeaconValidator(clock);
    this.writer = writer;
    this.siteTraffic = siteTraffic;
    this.sharding = ClusterSharding.get(system);
    this.cors = new Cors(directory);
    this.maxBodyBytes = maxBodyBytes;
    this.clock = clock;
  }

  public Route route() {
    // Built once: the Java DSL runs a directive's inner supplier again for every request that
    // reaches it, and anything built inside the supplier is built per request.
    Route accept = extractRequest(this::collect);
    Route collect = concat(options(cors::preflight), post(() -> accept));
    Route v1 = path("collect", () -> collect);
    return pathPrefix("v1", () -> v1);
  }

  private Route collect(HttpRequest request) {
    var entity = request.entity();
    if (entity.getContentLengthOption().isPresent()
        && entity.getContentLengthOption().getAsLong() > maxBodyBytes) {
      return tooLarge();
    }
    var mediaType = entity.getContentType().mediaType();
    if (!mediaType.equals(MediaTypes.APPLICATION_JSON)
        && !mediaType.equals(MediaTypes.TEXT_PLAIN)) {
      return complete(
          new ApiError(
                  "unsupported_media_type",
                  "send application/json or text/plain",
                  Map.of("contentType", mediaType.toString()))
              .toResponse(StatusCodes.UNSUPPORTED_MEDIA_TYPE));
    }
    // A chunked body has no length up front: limit it while it streams (413 past the limit).
    return onSuccess(Bodies.whole(entity, maxBodyBytes, system), body -> handle(request, body));
  }

  private Route handle(HttpRequest request, ByteString body) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body.toArray());
    } catch (IOException e) {
      return badRequest("body", "body is not valid JSON: " + firstLine(e.getMessage()));
    }
    if (root == null) {
      return badRequest("body", "body is empty");
    }
    BeaconEnvelope envelope;
    try {
      envelope = validator.parseEnvelope(root);
    } catch (EnvelopeException e) {
      return badRequest(e.field(), e.getMessage());
    }
    Optional<Site> site = directory.siteByPublicKey(envelope.siteKey());
    if (site.isEmpty()) {
      return complete(
          new ApiError("invalid_site_key", "unknown site key", Map.of("field", "site"))
              .toResponse(StatusCodes.UNAUTHORIZED));
    }
    BeaconValidator.Result result = validator.validateEvents(root, site.get());
    Accepted answer = new Accepted(result.accepted().size(), result.rejected());
    Optional<String> origin = request.getHeader("Origin").map(h -> h.value());
    if (result.accepted().isEmpty()) {
      return cors.withOrigin(site.get(), origin, () -> accepted(answer));
    }
    ClientInfo client =
        UserAgents.parse(request.getHeader("User-Agent").map(h -> h.value()).orElse(null));
    Instant now = clock.instant();
    List<EngagementTable.Row> rows =
        result.accepted().stream()
            .map(b -> new EngagementTable.Row(site.get().id(), envelope, client, now, b))
            .toList();
    return onSuccess(
        writer.append(rows),
        done -> {
          siteTraffic.beaconsSeen(site.get().id());
          LiveEvents.get(system).countEvents(site.get().id(), rows.size());
          tellSession(site.get(), envelope, client, result.accepted());
          return cors.withOrigin(site.get(), origin, () -> accepted(answer));
        });
  }

  private void tellSession(
      Site site, BeaconEnvelope envelope, ClientInfo client, List<Beacon> beacons) {
    sharding
        .entityRefFor(SessionEntity.ENTITY_KEY, envelope.sessionId())
        .tell(
            new SessionEntity.RecordBeacons(
                site.id(),
                envelope.visitorId(),
                envelope.userId(),
                client,
                beacons.stream().map(PageSignal::of).toList(),
                system.ignoreRef()));
  }

  private static Route accepted(Accepted answer) {
    return complete(StatusCodes.ACCEPTED, answer, Json.marshaller());
  }

  private Route tooLarge() {
    return complete(
        new ApiError(
                "payload_too_large",
                "request body is larger than the limit",
                Map.of("limitBytes", maxBodyBytes))
            .toResponse(StatusCodes.PAYLOAD_TOO_LARGE));
  }

  private static Route badRequest(String field, String message) {
    return complete(
        new ApiError("invalid_batch", message, Map.of("field", field))
            .toResponse(StatusCodes.BAD_REQUEST));
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }
}
