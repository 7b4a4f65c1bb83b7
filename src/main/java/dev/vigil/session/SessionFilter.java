package dev.vigil.session;

import dev.vigil.http.InvalidParameterException;
import dev.vigil.http.QueryParameters;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The filters of {@code GET /v1/sessions}: site, started_at window [since, until), class, user,
 * landing path, referrer host ({@code direct} = no referrer), page size and keyset cursor.
 */
public record SessionFilter(
    Optional<String> site,
    Optional<Instant> since,
    Optional<Instant> until,
    Optional<String> sessionClass,
    Optional<String> user,
    Optional<String> landing,
    Optional<String> referrer,
    int limit,
    Optional<SessionCursor> cursor) {

  /** The values of sessions.class. */
  public static final Set<String> CLASSES =
      Set.of("human", "known_bot", "scanner", "behavioural_bot", "ghost");

  /** The referrer filter value that selects sessions without a referrer. */
  public static final String DIRECT = "direct";

  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 500;

  public static SessionFilter parse(Map<String, String> parameters) {
    QueryParameters q = new QueryParameters(parameters);
    Optional<Instant> since = q.instant("since");
    Optional<Instant> until = q.instant("until");
    if (since.isPresent() && until.isPresent() && since.get().isAfter(until.get())) {
      throw new InvalidParameterException("since", "since must not be after until");
    }
    return new SessionFilter(
        q.text("site"),
        since,
        until,
        q.oneOf("class", CLASSES),
        q.text("user"),
        q.text("landing"),
        q.text("referrer"),
        q.intInRange("limit", 1, MAX_LIMIT, DEFAULT_LIMIT),
        q.text("cursor").map(SessionCursor::decode));
  }

  /** True when only sessions without a referrer are asked for. */
  public boolean directOnly() {
    return referrer.filter(DIRECT::equals).isPresent();
  }
}
