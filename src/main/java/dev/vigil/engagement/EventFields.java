package dev.vigil.engagement;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.util.Text;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Typed, range-checked reads of one beacon event's fields, named as on the wire. The first problem
 * throws {@link Invalid}, so a rejected event is rejected for exactly one reason.
 *
 * <p>Optional fields that are absent, JSON null or the empty string read as null: browsers report
 * "no referrer" as {@code ""}, and an empty title or content id is no more useful stored than none.
 */
final class EventFields {
  static final int MAX_URL_LENGTH = 2048;

  /** One field's problem. Used for control flow only, so it carries no stack trace. */
  static final class Invalid extends RuntimeException {
    private final String field;

    Invalid(String field, String reason) {
      super(reason, null, false, false);
      this.field = field;
    }

    String field() {
      return field;
    }
  }

  private final JsonNode event;

  EventFields(JsonNode event) {
    this.event = event;
  }

  String optionalString(String field, int maxLength) {
    JsonNode node = event.get(field);
    if (absent(node)) {
      return null;
    }
    if (!node.isTextual()) {
      throw new Invalid(field, "must be a string");
    }
    String value = node.textValue();
    if (value.length() > maxLength) {
      throw new Invalid(field, "must be at most " + maxLength + " characters");
    }
    // a page's own text (its title, a link's text) is kept even with a NUL or half a pair in it
    return value.isEmpty() ? null : Text.storable(value);
  }

  String requiredString(String field, int maxLength) {
    if (absent(event.get(field))) {
      throw new Invalid(field, "is required");
    }
    String value = optionalString(field, maxLength);
    if (value == null) {
      throw new Invalid(field, "must not be empty");
    }
    return value;
  }

  /** A required string that must also match {@code pattern}, which {@code rule} describes. */
  String requiredMatching(String field, int maxLength, Pattern pattern, String rule) {
    return matching(field, requiredString(field, maxLength), pattern, rule);
  }

  static String matching(String field, String value, Pattern pattern, String rule) {
    if (value != null && !pattern.matcher(value).matches()) {
      throw new Invalid(field, rule);
    }
    return value;
  }

  Boolean optionalBoolean(String field) {
    JsonNode node = event.get(field);
    if (absent(node)) {
      return null;
    }
    if (!node.isBoolean()) {
      throw new Invalid(field, "must be a boolean");
    }
    return node.booleanValue();
  }

  /**
   * A JSON integer: {@code 12.5}, {@code 12.0}, {@code "12"} and {@code true} are not. A value
   * beyond the long range saturates, so every range check below still rejects it on the right side.
   */
  long requiredLong(String field) {
    JsonNode node = event.get(field);
    if (absent(node)) {
      throw new Invalid(field, "is required");
    }
    if (!node.isIntegralNumber()) {
      throw new Invalid(field, "must be an integer");
    }
    if (node.canConvertToLong()) {
      return node.longValue();
    }
    return node.bigIntegerValue().signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
  }

  Long optionalLong(String field, long min, long max) {
    if (absent(event.get(field))) {
      return null;
    }
    long value = requiredLong(field);
    if (value < min || value > max) {
      throw new Invalid(field, "must be between " + min + " and " + max);
    }
    return value;
  }

  long longOrZero(String field, long min, long max) {
    Long value = optionalLong(field, min, max);
    return value == null ? 0 : value;
  }

  Integer optionalInt(String field, int min, int max) {
    Long value = optionalLong(field, min, max);
    return value == null ? null : value.intValue();
  }

  int intOrZero(String field, int min, int max) {
    return (int) longOrZero(field, min, max);
  }

  int requiredInt(String field, int min, int max) {
    requiredLong(field);
    return optionalInt(field, min, max);
  }

  URI requiredHttpUrl(String field) {
    return httpUrl(field, requiredString(field, MAX_URL_LENGTH));
  }

  URI optionalHttpUrl(String field) {
    String value = optionalString(field, MAX_URL_LENGTH);
    return value == null ? null : httpUrl(field, value);
  }

  private static URI httpUrl(String field, String value) {
    try {
      URI uri = new URI(escapeBrowserLeniency(value));
      String scheme = uri.getScheme();
      boolean http = "http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme);
      if (http && uri.getHost() != null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // answered below, like any other URL that is not an absolute http(s) one
    }
    throw new Invalid(field, "must be an absolute http or https URL");
  }

  /**
   * Browsers leave a few characters raw in {@code location.href} that RFC 3986, and so {@link URI},
   * refuse ({@code | { } ^ ` \} and a {@code %} not starting an escape). They are percent-encoded
   * first, so a page like {@code /search?q=a|b} is not lost; anything else URI refuses (a space,
   * say) still rejects the URL.
   */
  static String escapeBrowserLeniency(String url) {
    StringBuilder escaped = new StringBuilder(url.length());
    for (int i = 0; i < url.length(); i++) {
      char c = url.charAt(i);
      if ("|{}^`\\".indexOf(c) >= 0 || (c == '%' && !startsEscape(url, i))) {
        escaped.append('%').append(String.format("%02X", (int) c));
      } else {
        escaped.append(c);
      }
    }
    return escaped.toString();
  }

  private static boolean startsEscape(String url, int percent) {
    return percent + 2 < url.length()
        && Character.digit(url.charAt(percent + 1), 16) >= 0
        && Character.digit(url.charAt(percent + 2), 16) >= 0;
  }

  /** A flat object of string values, in the client's key order; null when absent. */
  Map<String, String> optionalStringMap(
      String field, int maxKeys, int maxKeyLength, int maxValueLength) {
    JsonNode node = event.get(field);
    if (absent(node)) {
      return null;
    }
    if (!node.isObject()) {
      throw new Invalid(field, "must be an object");
    }
    if (node.size() > maxKeys) {
      throw new Invalid(field, "must have at most " + maxKeys + " keys");
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      String key = entry.getKey();
      if (key.isEmpty() || key.length() > maxKeyLength) {
        throw new Invalid(field, "keys must be 1 to " + maxKeyLength + " characters");
      }
      String path = field + "." + key;
      if (!entry.getValue().isTextual()) {
        throw new Invalid(path, "must be a string");
      }
      String value = entry.getValue().textValue();
      if (value.length() > maxValueLength) {
        throw new Invalid(path, "must be at most " + maxValueLength + " characters");
      }
      values.put(Text.storable(key), Text.storable(value));
    }
    return Collections.unmodifiableMap(values);
  }

  private static boolean absent(JsonNode node) {
    return node == null || node.isNull() || node.isMissingNode();
  }
}
