package dev.vigil.engagement;

import static java.util.stream.Collectors.joining;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.engagement.EventFields.Invalid;
import dev.vigil.tenancy.Site;
import dev.vigil.util.Text;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Validates a {@code POST /v1/collect} body against the tracker contract (engagement spec): the
 * envelope as a whole, then each event on its own, so one bad event does not cost the batch its
 * good ones. Derives what the client is not trusted for: host, path, referrer host, UTM parameters
 * and reading pattern.
 */
public final class BeaconValidator {
  static final int MAX_EVENTS = 100;
  static final int MAX_SITE_KEY_LENGTH = 128;

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{8,64}");
  private static final String ID_RULE = "must be 8 to 64 characters of A-Z, a-z, 0-9, _ or -";
  private static final String TYPE_RULE =
      "must be one of "
          + Arrays.stream(EventType.values()).map(EventType::wire).collect(joining(", "));
  private static final Pattern NAME = Pattern.compile("[a-z0-9_.-]+");
  private static final String NAME_RULE = "must contain only a-z, 0-9, _, . or -";

  /** Beacons flushed from a tab that slept (laptop lid closed) still arrive within a day. */
  private static final Duration MAX_AGE = Duration.ofHours(24);

  /** Tolerates a client clock a little ahead of ours, not beacons dated in the future. */
  private static final Duration MAX_AHEAD = Duration.ofMinutes(5);

  private static final int MAX_MS = 86_400_000;
  private static final int MAX_COUNT = 100_000;
  private static final int MAX_VELOCITY = 100_000;
  private static final int MAX_SIZE = 20_000;
  private static final long MAX_MOUSE_DISTANCE = 100_000_000L;
  private static final long MAX_CONVERSION_VALUE = 1_000_000_000L;
  private static final Set<Long> MILESTONES = Set.of(25L, 50L, 75L, 90L, 100L);

  private final Clock clock;

  public BeaconValidator(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The events of a batch that passed, in their order, and why each of the others did not. */
  public record Result(List<Beacon> accepted, List<Rejection> rejected) {
    public Result {
      accepted = List.copyOf(accepted);
      rejected = List.copyOf(rejected);
    }
  }

  /** Throws EnvelopeException(field, message) → the route answers 400. */
  public BeaconEnvelope parseEnvelope(JsonNode root) {
    requireObject(root);
    String site = envelopeString(root, "site");
    if (site == null) {
      throw new EnvelopeException("site", "is required");
    }
    if (site.isEmpty()) {
      throw new EnvelopeException("site", "must not be empty");
    }
    if (site.length() > MAX_SITE_KEY_LENGTH) {
      throw new EnvelopeException("site", "must be at most " + MAX_SITE_KEY_LENGTH + " characters");
    }
    String session = envelopeId(root, "session");
    if (session == null) {
      throw new EnvelopeException("session", "is required");
    }
    String visitor = envelopeId(root, "visitor");
    String user = envelopeId(root, "user");
    events(root);
    return new BeaconEnvelope(site, session, visitor, user);
  }

  /** Validates each event independently; valid ones are accepted even when others are rejected. */
  public Result validateEvents(JsonNode root, Site site) {
    Objects.requireNonNull(site, "site");
    requireObject(root);
    JsonNode events = events(root);
    Instant now = clock.instant();
    List<Beacon> accepted = new ArrayList<>();
    List<Rejection> rejected = new ArrayList<>();
    for (int index = 0; index < events.size(); index++) {
      try {
        accepted.add(beacon(events.get(index), site, now));
      } catch (Invalid invalid) {
        rejected.add(new Rejection(index, invalid.field(), invalid.getMessage()));
      }
    }
    return new Result(accepted, rejected);
  }

  private static void requireObject(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw new EnvelopeException("body", "must be a JSON object");
    }
  }

  /** Null when absent or JSON null. */
  private static String envelopeString(JsonNode root, String field) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw new EnvelopeException(field, "must be a string");
    }
    return node.textValue();
  }

  /** An optional id's {@code ""} reads as absent: a missing visitor id must not cost the batch. */
  private static String envelopeId(JsonNode root, String field) {
    String id = envelopeString(root, field);
    if (id == null || id.isEmpty()) {
      return null;
    }
    if (!ID.matcher(id).matches()) {
      throw new EnvelopeException(field, ID_RULE);
    }
    return id;
  }

  private static JsonNode events(JsonNode root) {
    JsonNode events = root.get("events");
    if (events == null || events.isNull()) {
      throw new EnvelopeException("events", "is required");
    }
    if (!events.isArray()) {
      throw new EnvelopeException("events", "must be an array");
    }
    if (events.isEmpty()) {
      throw new EnvelopeException("events", "must contain at least 1 event");
    }
    if (events.size() > MAX_EVENTS) {
      throw new EnvelopeException("events", "at most " + MAX_EVENTS + " events per batch");
    }
    return events;
  }

  /** The type's fields other than the common ones. */
  private record Details(
      Engagement engagement, String goal, Long value, String name, Map<String, Object> data) {
    static Details of(Map<String, Object> data) {
      return new Details(null, null, null, null, data);
    }
  }

  private static Beacon beacon(JsonNode node, Site site, Instant now) {
    if (node == null || !node.isObject()) {
      throw new Invalid("event", "must be an object");
    }
    EventFields fields = new EventFields(node);
    EventType type = type(fields);
    String eventId =
        EventFields.matching("id", fields.optionalString("id", Integer.MAX_VALUE), ID, ID_RULE);
    Instant ts = timestamp(fields, now);
    URI url = fields.requiredHttpUrl("url");
    String host = url.getHost().toLowerCase(Locale.ROOT);
    requireSiteHost(host, site);
    URI referrer = fields.optionalHttpUrl("referrer");
    String title = fields.optionalString("title", 512);
    String contentId = fields.optionalString("contentId", 128);
    Details details =
        switch (type) {
          case PAGE_VIEW -> pageView(fields);
          case PAGE_EXIT, ENGAGEMENT -> engagement(fields);
          case SCROLL -> scroll(fields);
          case LINK_CLICK -> linkClick(fields);
          case CONVERSION -> conversion(fields);
          case CUSTOM -> custom(fields);
        };
    String rawPath = url.getRawPath();
    return new Beacon(
        eventId == null ? UUID.randomUUID().toString() : eventId,
        type,
        ts,
        Text.storable(url.toString()),
        host,
        rawPath == null || rawPath.isEmpty() ? "/" : Text.storable(rawPath),
        referrer == null ? null : Text.storable(referrer.toString()),
        referrer == null ? null : referrer.getHost().toLowerCase(Locale.ROOT),
        title,
        contentId,
        UtmParameters.of(url),
        details.engagement(),
        details.goal(),
        details.value(),
        details.name(),
        details.data());
  }

  private static EventType type(EventFields fields) {
    String wire = fields.requiredString("type", Integer.MAX_VALUE);
    return EventType.fromWire(wire).orElseThrow(() -> new Invalid("type", TYPE_RULE));
  }

  private static Instant timestamp(EventFields fields, Instant now) {
    long ts = fields.requiredLong("ts");
    if (ts < now.minus(MAX_AGE).toEpochMilli()) {
      throw new Invalid("ts", "must be at most 24 hours before server time");
    }
    if (ts > now.plus(MAX_AHEAD).toEpochMilli()) {
      throw new Invalid("ts", "must be at most 5 minutes after server time");
    }
    return Instant.ofEpochMilli(ts);
  }

  /** {@code www.shop.example} belongs to a site that lists {@code shop.example}. */
  private static void requireSiteHost(String host, Site site) {
    if (site.allowedHosts().isEmpty()) {
      return;
    }
    for (String allowed : site.allowedHosts()) {
      String suffix = allowed.toLowerCase(Locale.ROOT);
      if (host.equals(suffix) || host.endsWith("." + suffix)) {
        return;
      }
    }
    throw new Invalid("url", "host " + host + " is not one of the site's hosts");
  }

  private static Details pageView(EventFields fields) {
    Map<String, Object> data = new LinkedHashMap<>();
    for (String size : List.of("viewportWidth", "viewportHeight", "screenWidth", "screenHeight")) {
      putPresent(data, size, fields.optionalInt(size, 1, MAX_SIZE));
    }
    putPresent(data, "language", fields.optionalString("language", 35));
    putPresent(data, "timezone", fields.optionalString("timezone", 64));
    return Details.of(data);
  }

  private static Details engagement(EventFields fields) {
    // Arguments are evaluated left to right, so the first bad field in this order is reported.
    Engagement engagement =
        new Engagement(
            fields.requiredInt("timeOnPageMs", 0, MAX_MS),
            fields.intOrZero("visibleMs", 0, MAX_MS),
            fields.intOrZero("hiddenMs", 0, MAX_MS),
            fields.intOrZero("focusMs", 0, MAX_MS),
            fields.optionalInt("firstInteractionMs", 0, MAX_MS),
            fields.optionalInt("firstScrollMs", 0, MAX_MS),
            fields.intOrZero("maxScrollDepth", 0, 100),
            fields.intOrZero("scrollVelocity", 0, MAX_VELOCITY),
            fields.intOrZero("clicks", 0, MAX_COUNT),
            fields.intOrZero("rageClicks", 0, MAX_COUNT),
            fields.intOrZero("deadClicks", 0, MAX_COUNT),
            fields.intOrZero("scrollDirectionChanges", 0, MAX_COUNT),
            fields.intOrZero("keyPresses", 0, MAX_COUNT),
            fields.intOrZero("copies", 0, MAX_COUNT),
            fields.intOrZero("tabSwitches", 0, MAX_COUNT),
            fields.intOrZero("blurs", 0, MAX_COUNT),
            fields.longOrZero("mouseDistance", 0, MAX_MOUSE_DISTANCE));
    // the reading pattern is derived from these when needed, and stored in a column of its own
    return new Details(engagement, null, null, null, Map.of());
  }

  private static Details scroll(EventFields fields) {
    long milestone = fields.requiredLong("milestone");
    if (!MILESTONES.contains(milestone)) {
      throw new Invalid("milestone", "must be one of 25, 50, 75, 90, 100");
    }
    String direction = fields.optionalString("direction", Integer.MAX_VALUE);
    if (direction != null && !direction.equals("up") && !direction.equals("down")) {
      throw new Invalid("direction", "must be \"up\" or \"down\"");
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("milestone", (int) milestone);
    putPresent(data, "direction", direction);
    putPresent(data, "velocity", fields.optionalInt("velocity", 0, MAX_VELOCITY));
    return Details.of(data);
  }

  private static Details linkClick(EventFields fields) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("targetUrl", fields.requiredHttpUrl("targetUrl").toString());
    putPresent(data, "text", fields.optionalString("text", 100));
    putPresent(data, "external", fields.optionalBoolean("external"));
    return Details.of(data);
  }

  private static Details conversion(EventFields fields) {
    String goal = fields.requiredMatching("goal", 64, NAME, NAME_RULE);
    Long value = fields.optionalLong("value", 0, MAX_CONVERSION_VALUE);
    Map<String, Object> data = new LinkedHashMap<>();
    putPresent(data, "funnelStep", fields.optionalString("funnelStep", 64));
    return new Details(null, goal, value, null, data);
  }

  private static Details custom(EventFields fields) {
    String name = fields.requiredMatching("name", 64, NAME, NAME_RULE);
    Map<String, Object> data = new LinkedHashMap<>();
    putPresent(data, "props", fields.optionalStringMap("props", 20, 64, 256));
    return new Details(null, null, null, name, data);
  }

  /** Beacon data holds no nulls: an absent field is simply not there. */
  private static void putPresent(Map<String, Object> data, String key, Object value) {
    if (value != null) {
      data.put(key, value);
    }
  }
}
