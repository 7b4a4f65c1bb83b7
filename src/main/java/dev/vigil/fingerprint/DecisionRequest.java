package dev.vigil.fingerprint;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.detection.RequestFacts;
import dev.vigil.util.Text;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A request to decide or observe, parsed from the JSON form ({@code POST /v1/decide}, {@code POST
 * /v1/observations}) or from the headers nginx's auth_request subrequest carries ({@code GET
 * /v1/decide/nginx}), and validated field by field: a bad field is named in the 400.
 *
 * @param sessionId the {@code vigil_sid} cookie's value, or a freshly minted id
 * @param minted true when the caller had no (valid) session cookie and one was minted
 */
public record DecisionRequest(RequestFacts facts, String sessionId, boolean minted, String id) {

  /** A field that is missing or wrong. */
  public static final class Invalid extends RuntimeException {
    private final String field;

    public Invalid(String field, String message) {
      super(message);
      this.field = field;
    }

    public String field() {
      return field;
    }
  }

  public static final String COOKIE = "vigil_sid";
  private static final Pattern SESSION_ID = Pattern.compile("^[A-Za-z0-9_-]{8,64}$");
  private static final Duration MAX_PAST = Duration.ofHours(24);
  private static final Duration MAX_FUTURE = Duration.ofMinutes(5);

  /** From the JSON form; {@code observation} requires status and allows latencyMs. */
  public static DecisionRequest fromJson(JsonNode n, Instant now, boolean observation) {
    if (n == null || !n.isObject()) {
      throw new Invalid("body", "must be a JSON object");
    }
    Instant at = timestamp(n.get("ts"), now);
    String ip = required(n, "ip", 64);
    String method = optional(n, "method", 16).orElse("GET");
    String path = required(n, "path", 2048);
    if (!path.startsWith("/")) {
      throw new Invalid("path", "must start with /");
    }
    Integer status = null;
    Integer latency = null;
    if (observation) {
      status = integer(n, "status", 100, 599, true);
      latency = integer(n, "latencyMs", 0, 3_600_000, false);
    }
    var facts =
        new RequestFacts(
            at,
            ip,
            method,
            optional(n, "host", 255).orElse(null),
            path,
            optional(n, "query", 4096).orElse(null),
            optional(n, "userAgent", 1024).orElse(null),
            optional(n, "accept", 1024).orElse(null),
            optional(n, "acceptLanguage", 256).orElse(null),
            optional(n, "secChUa", 512).orElse(null),
            optional(n, "secChUaPlatform", 64).orElse(null),
            optional(n, "secChUaMobile", 8).orElse(null),
            optional(n, "referer", 2048).orElse(null),
            bool(n, "https"),
            optional(n, "clientFingerprint", 128).orElse(null),
            status,
            latency);
    Optional<String> session = optional(n, "sessionId", 64);
    String id = optional(n, "id", 64).orElse(UUID.randomUUID().toString());
    return withSession(facts, session, id);
  }

  /**
   * From the headers of an auth_request subrequest: the original request's headers plus {@code
   * X-Original-URI}, {@code X-Original-Method}, {@code X-Real-IP} and {@code X-Forwarded-Proto} set
   * by the example configuration. {@code header} looks a header up case-insensitively.
   */
  public static DecisionRequest fromNginx(Function<String, Optional<String>> header, Instant now) {
    String ip =
        header
            .apply("X-Real-IP")
            .or(() -> header.apply("X-Forwarded-For").map(v -> v.split(",")[0].trim()))
            .orElseThrow(() -> new Invalid("X-Real-IP", "the client address is required"));
    String uri =
        header
            .apply("X-Original-URI")
            .orElseThrow(
                () -> new Invalid("X-Original-URI", "the original request URI is required"));
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    if (!path.startsWith("/")) {
      throw new Invalid("X-Original-URI", "must start with /");
    }
    var facts =
        new RequestFacts(
            now,
            ip,
            header.apply("X-Original-Method").orElse("GET"),
            header.apply("Host").orElse(null),
            path,
            q < 0 ? null : uri.substring(q + 1),
            header.apply("User-Agent").orElse(null),
            header.apply("Accept").orElse(null),
            header.apply("Accept-Language").orElse(null),
            header.apply("Sec-CH-UA").orElse(null),
            header.apply("Sec-CH-UA-Platform").orElse(null),
            header.apply("Sec-CH-UA-Mobile").orElse(null),
            header.apply("Referer").orElse(null),
            header.apply("X-Forwarded-Proto").map("https"::equalsIgnoreCase).orElse(false),
            header.apply("X-Vigil-Fingerprint").orElse(null),
            null,
            null);
    Optional<String> session = header.apply("Cookie").flatMap(DecisionRequest::sessionCookie);
    return withSession(facts, session, UUID.randomUUID().toString());
  }

  /**
   * The {@code Set-Cookie} value for a minted session (sliding 30 min, readable by the tracker).
   */
  public String setCookie() {
    return COOKIE
        + "="
        + sessionId
        + "; Path=/; Max-Age=1800; SameSite=Lax"
        + (facts.https() ? "; Secure" : "");
  }

  static Optional<String> sessionCookie(String cookieHeader) {
    for (String part : cookieHeader.split(";")) {
      String p = part.trim();
      if (p.startsWith(COOKIE + "=")) {
        return Optional.of(p.substring(COOKIE.length() + 1));
      }
    }
    return Optional.empty();
  }

  private static DecisionRequest withSession(
      RequestFacts facts, Optional<String> session, String id) {
    // A missing or malformed cookie gets a new session: clients that drop cookies open a new
    // session per request, which is itself a signal at the fingerprint.
    Optional<String> valid = session.filter(s -> SESSION_ID.matcher(s).matches());
    return valid
        .map(s -> new DecisionRequest(facts, s, false, id))
        .orElseGet(() -> new DecisionRequest(facts, mint(), true, id));
  }

  static String mint() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 22);
  }

  private static Instant timestamp(JsonNode ts, Instant now) {
    if (ts == null || ts.isNull()) {
      return now;
    }
    if (!ts.isIntegralNumber()) {
      throw new Invalid("ts", "must be an integer (epoch milliseconds)");
    }
    Instant at = Instant.ofEpochMilli(ts.asLong());
    if (at.isBefore(now.minus(MAX_PAST))) {
      throw new Invalid("ts", "must be at most 24 hours before server time");
    }
    if (at.isAfter(now.plus(MAX_FUTURE))) {
      throw new Invalid("ts", "must be at most 5 minutes after server time");
    }
    return at;
  }

  private static String required(JsonNode n, String field, int max) {
    return optional(n, field, max).orElseThrow(() -> new Invalid(field, "is required"));
  }

  private static Optional<String> optional(JsonNode n, String field, int max) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw new Invalid(field, "must be a string");
    }
    String s = v.asText();
    if (s.length() > max) {
      throw new Invalid(field, "must be at most " + max + " characters");
    }
    // A visitor's request is still decided with a NUL or half a pair in it (an app that passes on
    // a decoded path); kept with U+FFFD there, as the session's and observation's rows can store.
    return s.isEmpty() ? Optional.empty() : Optional.of(Text.storable(s));
  }

  private static Integer integer(JsonNode n, String field, int min, int max, boolean required) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new Invalid(field, "is required");
      }
      return null;
    }
    if (!v.isIntegralNumber()) {
      throw new Invalid(field, "must be an integer");
    }
    long x = v.asLong();
    if (x < min || x > max) {
      throw new Invalid(field, "must be between " + min + " and " + max);
    }
    return (int) x;
  }

  private static boolean bool(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw new Invalid(field, "must be true or false");
    }
    return v.asBoolean();
  }
}
