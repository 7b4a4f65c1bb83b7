package dev.vigil.engagement;

import java.time.Instant;
import java.util.Map;

/**
 * One validated beacon event, with what the server derived from it (host, path, referrer host, UTM
 * parameters). {@code engagement} is set for page_exit/engagement; {@code goal}/{@code value} for
 * conversion; {@code name} for custom. {@code data} holds the type's other validated fields
 * (viewport, link target, scroll milestone, custom props, ...) as they are stored in the row's JSON
 * column.
 *
 * @param eventId the client's event id when it sent one (retries are then stored once), else a
 *     server-generated UUID
 */
public record Beacon(
    String eventId,
    EventType type,
    Instant ts,
    String url,
    String host,
    String path,
    String referrer,
    String referrerHost,
    String title,
    String contentId,
    Utm utm,
    Engagement engagement,
    String goal,
    Long value,
    String name,
    Map<String, Object> data) {

  /** UTM parameters read from the page URL's query (each at most 100 characters, else null). */
  public record Utm(String source, String medium, String campaign, String term, String content) {
    public static final Utm NONE = new Utm(null, null, null, null, null);
  }

  public Beacon {
    data = data == null ? Map.of() : Map.copyOf(data);
  }
}
