package dev.vigil.fingerprint;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.put;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.vigil.detection.DetectionSettings;
import dev.vigil.detection.FiredSignal;
import dev.vigil.detection.ThrottleLevel;
import dev.vigil.http.ApiError;
import dev.vigil.http.Auth;
import dev.vigil.http.Json;
import dev.vigil.tenancy.Principal;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/fingerprints/{id}} (live state from the entity: level, pin, reputation, classes,
 * the signals that fire now) and the admin pin {@code PUT/DELETE /v1/fingerprints/{id}/throttle}.
 */
public final class FingerprintRoutes {
  private static final Duration ASK = Duration.ofSeconds(3);

  private final Auth auth;
  private final ClusterSharding sharding;
  private final DetectionSettings settings;
  private final Clock clock;

  public FingerprintRoutes(
      ActorSystem<?> system, Auth auth, DetectionSettings settings, Clock clock) {
    this.auth = auth;
    this.sharding = ClusterSharding.get(system);
    this.settings = settings;
    this.clock = clock;
  }

  public Route route() {
    return pathPrefix(
        "v1",
        () ->
            pathPrefix(
                "fingerprints",
                () ->
                    pathPrefix(
                        segment(),
                        id ->
                            concat(
                                pathEnd(() -> get(() -> auth.apiUser(p -> show(p, id)))),
                                path(
                                    "throttle",
                                    () ->
                                        concat(
                                            put(() -> auth.admin(p -> pin(p, id))),
                                            delete(() -> auth.admin(p -> clear(p, id)))))))));
  }

  private Route show(Principal p, String id) {
    return withState(p, id, state -> complete(StatusCodes.OK, view(id, state), Json.marshaller()));
  }

  private Route pin(Principal p, String id) {
    return entity(
        Json.TREE,
        body -> {
          Optional<ThrottleLevel> level =
              Optional.ofNullable(body).map(b -> b.path("level").asText(null)).flatMap(this::level);
          if (level.isEmpty()) {
            return complete(
                new ApiError(
                        "invalid_field",
                        "level must be normal, warning, severe or blocked",
                        Map.of("field", "level"))
                    .toResponse(StatusCodes.BAD_REQUEST));
          }
          return withState(p, id, before -> setPin(id, level.get(), p.name()));
        });
  }

  private Route clear(Principal p, String id) {
    return withState(p, id, before -> setPin(id, null, p.name()));
  }

  private Route setPin(String id, ThrottleLevel level, String by) {
    CompletionStage<FingerprintEntity.State> after =
        sharding
            .entityRefFor(FingerprintEntity.ENTITY_KEY, id)
            .ask(replyTo -> new FingerprintEntity.SetPin(level, by, replyTo), ASK);
    return onSuccess(after, s -> complete(StatusCodes.OK, view(id, s), Json.marshaller()));
  }

  private Route withState(
      Principal p, String id, java.util.function.Function<FingerprintEntity.State, Route> inner) {
    if (!id.matches("^f\\d+_[0-9a-f]{16}$")) {
      return notFound(id);
    }
    CompletionStage<FingerprintEntity.State> state =
        sharding
            .entityRefFor(FingerprintEntity.ENTITY_KEY, id)
            .ask(FingerprintEntity.Get::new, ASK);
    return onSuccess(
        state,
        s -> {
          // another site's fingerprint is answered as unknown: its id is a hash that another
          // tenant can compute for a visitor it has seen, and a 403 would say that visitor has
          // been to that site
          if (s.siteId() == null || !p.maySee(s.siteId())) {
            return notFound(id);
          }
          return inner.apply(s);
        });
  }

  private Map<String, Object> view(String id, FingerprintEntity.State s) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("fingerprintId", id);
    v.put("siteId", s.siteId());
    v.put("level", s.throttle().level().wire());
    v.put("pinnedLevel", s.throttle().pinned() == null ? null : s.throttle().pinned().wire());
    v.put("effectiveLevel", s.throttle().effective().wire());
    v.put("reputation", s.reputation());
    v.put("escalations", s.escalations());
    v.put("immediateClass", s.immediate() == null ? null : s.immediate().kind().wire());
    v.put("immediateName", s.immediate() == null ? null : s.immediate().name());
    v.put("bot", s.bot());
    v.put("score", s.score());
    v.put("reasons", s.reasons());
    v.put("requests", s.requests());
    v.put("firstSeenAt", s.firstSeenAt());
    v.put("lastSeenAt", s.lastSeenAt());
    var now = clock.instant();
    v.put("sessions24h", s.signals().sessionsSince(now, Duration.ofHours(24).toMillis()));
    v.put(
        "signals",
        s.signals().evaluate(now, settings).stream()
            .map(FiredSignal::signal)
            .map(Enum::name)
            .map(String::toLowerCase)
            .toList());
    return v;
  }

  private Optional<ThrottleLevel> level(String value) {
    try {
      return Optional.of(ThrottleLevel.fromWire(value));
    } catch (IllegalArgumentException | NullPointerException e) {
      return Optional.empty();
    }
  }

  private static Route notFound(String id) {
    return complete(
        ApiError.of("not_found", "no fingerprint '" + id + "'").toResponse(StatusCodes.NOT_FOUND));
  }
}
