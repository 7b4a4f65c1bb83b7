package dev.vigil.engagement;

import dev.vigil.util.Text;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the UTM parameters from a page URL's query. The server derives them itself rather than
 * trusting the tracker to.
 */
final class UtmParameters {
  /** Longer values are campaign noise or abuse; 100 characters keeps every real campaign name. */
  static final int MAX_LENGTH = 100;

  private UtmParameters() {}

  /**
   * The first occurrence of each parameter wins; an empty value reads as absent. Only the query
   * counts: parameters after a {@code #} are the page's own state, not a campaign's.
   */
  static Beacon.Utm of(URI url) {
    String query = url.getRawQuery();
    if (query == null || query.isEmpty()) {
      return Beacon.Utm.NONE;
    }
    Map<String, String> values = new HashMap<>();
    for (String pair : query.split("&")) {
      int equals = pair.indexOf('=');
      String key = decode(equals < 0 ? pair : pair.substring(0, equals));
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
      if (key.startsWith("utm_") && !value.isEmpty()) {
        values.putIfAbsent(key, Text.storable(truncate(value))); // %00 decodes to a NUL
      }
    }
    return new Beacon.Utm(
        values.get("utm_source"),
        values.get("utm_medium"),
        values.get("utm_campaign"),
        values.get("utm_term"),
        values.get("utm_content"));
  }

  /** URI has already refused malformed escapes, so decoding cannot fail. */
  private static String decode(String raw) {
    return URLDecoder.decode(raw, StandardCharsets.UTF_8);
  }

  /** Cuts at 100 UTF-16 units without splitting a surrogate pair. */
  private static String truncate(String value) {
    if (value.length() <= MAX_LENGTH) {
      return value;
    }
    int end = Character.isHighSurrogate(value.charAt(MAX_LENGTH - 1)) ? MAX_LENGTH - 1 : MAX_LENGTH;
    return value.substring(0, end);
  }
}
