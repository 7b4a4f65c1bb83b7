package dev.vigil.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.util.Text;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Typed reads of one JSON object's fields. A missing optional field is null; a present but wrong
 * one (type, length, range) adds a {@link FieldError} naming it and reads as null, so every error
 * of a row is reported at once. A JSON null is the same as a missing field.
 */
final class Fields {
  /** The longest id trace lookups match. */
  static final int MAX_LOOKUP_ID = 128;

  /**
   * JSON lets a string escape half a surrogate pair ("\\ud800"); such a string has no UTF-8 form,
   * so it could not be stored as sent (the driver would store "?") and an answer would not match
   * what a later read returns.
   */
  private static final String UNPAIRED = Text.UNPAIRED_RULE;

  private final JsonNode node;
  private final int index;
  private final List<FieldError> errors;

  Fields(JsonNode node, int index, List<FieldError> errors) {
    this.node = node;
    this.index = index;
    this.errors = errors;
  }

  private JsonNode get(String name) {
    JsonNode v = node.get(name);
    return v == null || v.isNull() ? null : v;
  }

  private <T> T fail(String name, String reason) {
    errors.add(new FieldError(index, name, reason));
    return null;
  }

  String required(String name, String value) {
    if (value == null && get(name) == null) {
      return fail(name, "is required");
    }
    return value;
  }

  /** An id that trace lookups match: 1-128 printable ASCII characters, no spaces. */
  String lookupId(String name) {
    JsonNode v = get(name);
    if (v == null) {
      return null;
    }
    if (!v.isTextual() || !isLookupId(v.asText())) {
      return fail(name, "must be 1-128 printable ASCII characters without spaces");
    }
    return v.asText();
  }

  /**
   * An id trace lookups match by prefix: 1 to 128 printable ASCII characters, no spaces (what the
   * regex {@code [\x21-\x7E]{1,128}} matches; a loop, as every call has several).
   */
  static boolean isLookupId(String s) {
    if (s.isEmpty() || s.length() > MAX_LOOKUP_ID) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7E) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code s} holds an ASCII control character (what {@code \p{Cntrl}} finds). */
  static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7F) {
        return true;
      }
    }
    return false;
  }

  /** Free text of 1 to {@code max} characters without control characters. */
  String label(String name, int max) {
    JsonNode v = get(name);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      return fail(name, "must be a string");
    }
    String s = v.asText().strip();
    if (s.isEmpty() || s.length() > max || hasControl(s)) {
      return fail(name, "must be 1-" + max + " characters without control characters");
    }
    if (Text.unpairedSurrogate(s)) {
      return fail(name, UNPAIRED);
    }
    return s;
  }

  /** Any string up to {@code max} characters (messages, prompts: newlines allowed). */
  String text(String name, int max) {
    JsonNode v = get(name);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      return fail(name, "must be a string");
    }
    if (v.asText().length() > max) {
      return fail(name, "must be at most " + max + " characters");
    }
    Optional<String> problem = Text.problem(v.asText());
    if (problem.isPresent()) {
      return fail(name, problem.get());
    }
    return v.asText();
  }

  String oneOf(String name, Set<String> allowed, String fallback) {
    JsonNode v = get(name);
    if (v == null) {
      return fallback;
    }
    if (!v.isTextual() || !allowed.contains(v.asText())) {
      return fail(name, "must be one of " + allowed.stream().sorted().toList());
    }
    return v.asText();
  }

  boolean bool(String name) {
    JsonNode v = get(name);
    if (v == null) {
      return false;
    }
    if (!v.isBoolean()) {
      fail(name, "must be true or false");
      return false;
    }
    return v.booleanValue();
  }

  /** A whole number from 0 to {@code max}; absent is null. */
  Long count(String name, long max) {
    JsonNode v = get(name);
    if (v == null) {
      return null;
    }
    if (!v.isIntegralNumber()
        || !v.canConvertToLong()
        || v.longValue() < 0
        || v.longValue() > max) {
      return fail(name, "must be an integer from 0 to " + max);
    }
    return v.longValue();
  }

  long countOrZero(String name, long max) {
    Long v = count(name, max);
    return v == null ? 0 : v;
  }

  Integer millis(String name, int max) {
    Long v = count(name, max);
    return v == null ? null : v.intValue();
  }

  /** A decimal number from 0 to {@code max}, exactly as written. */
  BigDecimal decimal(String name, BigDecimal max) {
    JsonNode v = get(name);
    if (v == null) {
      return null;
    }
    if (!v.isNumber() || v.decimalValue().signum() < 0 || v.decimalValue().compareTo(max) > 0) {
      return fail(name, "must be a number from 0 to " + max.toPlainString());
    }
    return v.decimalValue();
  }

  /**
   * An ISO-8601 timestamp with a zone ({@code Z} or an offset), or epoch milliseconds; cut to
   * microseconds, the database's precision, so that a row reads back with the start it was sent
   * with (the start is part of its key).
   */
  Instant instant(String name) {
    JsonNode v = get(name);
    if (v == null) {
      return null;
    }
    if (v.isIntegralNumber() && v.canConvertToLong() && v.longValue() >= 0) {
      return Instant.ofEpochMilli(v.longValue());
    }
    if (v.isTextual()) {
      try {
        return Timestamps.parse(v.asText()).truncatedTo(ChronoUnit.MICROS);
      } catch (DateTimeException e) {
        // answered below
      }
    }
    return fail(name, "must be an ISO-8601 timestamp with a zone, or epoch milliseconds");
  }

  /** Any JSON value (payloads). */
  JsonNode any(String name) {
    JsonNode v = get(name);
    if (v == null) {
      return null;
    }
    // PostgreSQL's jsonb and text cannot hold NUL, nor UTF-8 hold half a surrogate pair. The
    // strings are looked at themselves: the serialised JSON of a prompt quoting the six characters
    // \u0000 (code, say) holds that text too, escaped, yet no NUL.
    Optional<String> problem = textProblem(v);
    if (problem.isPresent()) {
      return fail(name, problem.get());
    }
    return v;
  }

  /** The first string or field name in {@code node} that cannot be stored, and why. */
  private static Optional<String> textProblem(JsonNode node) {
    if (node.isTextual()) {
      return Text.problem(node.textValue());
    }
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        Optional<String> problem =
            Text.problem(field.getKey()).or(() -> textProblem(field.getValue()));
        if (problem.isPresent()) {
          return problem;
        }
      }
    } else if (node.isArray()) {
      for (JsonNode element : node) {
        Optional<String> problem = textProblem(element);
        if (problem.isPresent()) {
          return problem;
        }
      }
    }
    return Optional.empty();
  }

  void error(String name, String reason) {
    fail(name, reason);
  }
}
