package dev.vigil.detection.corpus;

import java.util.List;
import java.util.Map;

/**
 * What an actor does, step by step, at times in milliseconds from the corpus start: page requests
 * the edge asks Vigil about, and tracker beacon batches. Labels belong to the actor, not the steps.
 */
public final class Trace {
  private Trace() {}

  /** One step of an actor. */
  public sealed interface Step {
    long at();
  }

  /**
   * A request the edge sees, with every header the decision API takes.
   *
   * @param sessionKey the visit whose {@code vigil_sid} cookie the client returns; null for a
   *     client that never returns cookies. The first request of a visit carries no cookie: Vigil
   *     mints one and the replay keeps it for the visit's later requests and beacons.
   */
  public record Request(
      long at,
      String sessionKey,
      String ip,
      String method,
      String path,
      String query,
      String userAgent,
      String accept,
      String acceptLanguage,
      String secChUa,
      String secChUaPlatform,
      String secChUaMobile,
      String referer,
      boolean https)
      implements Step {}

  /** A batch of tracker events sent to {@code POST /v1/collect} for the visit's session. */
  public record Beacons(
      long at, String sessionKey, String visitorId, String userAgent, List<Event> events)
      implements Step {}

  /** One tracker event: its type, time, page path and the type's fields (engagement spec names). */
  public record Event(String type, long at, String path, Map<String, Object> fields) {}
}
