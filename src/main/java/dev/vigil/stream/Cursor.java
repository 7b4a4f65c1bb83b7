package dev.vigil.stream;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A listener's position in one site's stream. A connection's SSE event id is the positions of all
 * its sites, {@code <siteId>:<generation>.<seq>} joined by commas (numbers in base 36), so a
 * reconnect with {@code Last-Event-ID} can resume every site, on any node.
 */
public record Cursor(long generation, long seq) {

  public Cursor next() {
    return new Cursor(generation, seq + 1);
  }

  /** The event id for these positions (sites in order, so the id is stable). */
  public static String encode(Map<String, Cursor> cursors) {
    SortedMap<String, Cursor> sorted = new TreeMap<>(cursors);
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Cursor> e : sorted.entrySet()) {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(e.getKey())
          .append(':')
          .append(Long.toString(e.getValue().generation(), 36))
          .append('.')
          .append(Long.toString(e.getValue().seq(), 36));
    }
    return b.toString();
  }

  /** The positions in a Last-Event-ID, or empty when it is not one Vigil wrote. */
  public static Optional<Map<String, Cursor>> decode(String id) {
    if (id == null || id.isBlank() || id.length() > 64 * 1024) {
      return Optional.empty();
    }
    Map<String, Cursor> cursors = new LinkedHashMap<>();
    for (String part : id.trim().split(",", -1)) {
      int colon = part.lastIndexOf(':');
      int dot = part.lastIndexOf('.');
      if (colon <= 0 || dot < colon + 2 || dot == part.length() - 1) {
        return Optional.empty();
      }
      try {
        long generation = Long.parseLong(part.substring(colon + 1, dot), 36);
        long seq = Long.parseLong(part.substring(dot + 1), 36);
        if (generation < 0 || seq < 0) {
          return Optional.empty();
        }
        cursors.put(part.substring(0, colon), new Cursor(generation, seq));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
    return Optional.of(cursors);
  }
}
