package dev.vigil.http;

import dev.vigil.util.Text;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Typed access to a request's query parameters. Absent parameters give the default; present but bad
 * ones throw {@link InvalidParameterException} naming the parameter, never a silent default.
 */
public final class QueryParameters {
  /** Longer values are no filter anyone means: URLs are capped at 2048 characters on ingest. */
  static final int MAX_TEXT = 2048;

  private static final Pattern EPOCH_MILLIS = Pattern.compile("\\d{1,15}");

  /** The instants a parameter may name: the epoch to the end of year 9999. */
  public static final Instant EARLIEST = Instant.EPOCH;

  public static final Instant END = Instant.parse("+10000-01-01T00:00:00Z");

  private final Map<String, String> values;

  public QueryParameters(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  /** A non-blank string of at most 2048 characters. */
  public Optional<String> text(String name) {
    String raw = values.get(name);
    if (raw == null) {
      return Optional.empty();
    }
    if (raw.isBlank()) {
      throw new InvalidParameterException(name, name + " must not be empty");
    }
    if (raw.length() > MAX_TEXT) {
      throw new InvalidParameterException(name, name + " is longer than " + MAX_TEXT);
    }
    Optional<String> problem = Text.problem(raw);
    if (problem.isPresent()) {
      throw new InvalidParameterException(name, name + " " + problem.get());
    }
    return Optional.of(raw);
  }

  /** One of a fixed set of words. */
  public Optional<String> oneOf(String name, Set<String> allowed) {
    Optional<String> value = text(name);
    if (value.isPresent() && !allowed.contains(value.get())) {
      throw new InvalidParameterException(
          name, name + " must be one of " + allowed.stream().sorted().toList());
    }
    return value;
  }

  /** An ISO-8601 instant ({@code 2025-06-01T00:00:00Z}, offsets allowed) or epoch milliseconds. */
  public Optional<Instant> instant(String name) {
    return text(name).map(raw -> parseInstant(name, raw));
  }

  public int intInRange(String name, int min, int max, int fallback) {
    Optional<String> raw = text(name);
    if (raw.isEmpty()) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(raw.get().strip());
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // answered below, with the range
    }
    throw new InvalidParameterException(
        name, name + " must be an integer from " + min + " to " + max);
  }

  public boolean bool(String name, boolean fallback) {
    Optional<String> raw = text(name);
    if (raw.isEmpty()) {
      return fallback;
    }
    return switch (raw.get()) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new InvalidParameterException(name, name + " must be true or false");
    };
  }

  static Instant parseInstant(String name, String raw) {
    String value = raw.strip();
    Instant at;
    if (EPOCH_MILLIS.matcher(value).matches()) {
      at = Instant.ofEpochMilli(Long.parseLong(value));
    } else {
      try {
        // An unencoded '+' of an offset arrives as a space (form decoding); an instant has none.
        at = Instant.parse(value.replace(' ', '+'));
      } catch (DateTimeException e) {
        throw new InvalidParameterException(
            name, name + " must be an ISO-8601 instant or epoch milliseconds");
      }
    }
    // Instant reaches a billion years either way, where a window's arithmetic fails in Java and
    // PostgreSQL's timestamps end: both were a 500.
    if (at.isBefore(EARLIEST) || !at.isBefore(END)) {
      throw new InvalidParameterException(
          name, name + " must be from " + EARLIEST + " to before " + END);
    }
    return at;
  }
}
