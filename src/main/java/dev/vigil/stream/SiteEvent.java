package dev.vigil.stream;

import dev.vigil.CborSerializable;
import java.time.Instant;

/**
 * One live event of a site as its {@link SiteStream} numbered it. {@code seq} counts the site's
 * events since the stream's {@code generation} (its start time) began; a {@code transient} event
 * ({@code stats}) is not kept for replay and carries the number of the last kept event, so it also
 * tells a listener whether it missed one. {@code data} is the event's JSON payload.
 */
public record SiteEvent(
    String siteId,
    long generation,
    long seq,
    boolean transientEvent,
    String type,
    Instant at,
    String data)
    implements CborSerializable {

  /** The kind is the type's first word: {@code session}, {@code throttle}, {@code anomaly}, ... */
  public String kind() {
    int dot = type.indexOf('.');
    return dot < 0 ? type : type.substring(0, dot);
  }
}
