package dev.vigil.ledger;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * ISO-8601 timestamps with a zone, as {@link OffsetDateTime#parse} reads them, with a direct path
 * for the form most clients send: {@code YYYY-MM-DDTHH:MM:SS[.fraction]Z}, what JavaScript's {@code
 * toISOString()} and Java's {@code Instant.toString()} write (Python's {@code isoformat()} writes
 * {@code +00:00}, which the formatter reads). {@code DateTimeFormatter} was 3.4 % of Vigil's CPU in
 * the ledger step; this path reads the same digits and leaves the calendar's rules (Feb 30, hour
 * 24, second 60) to {@link LocalDateTime#of}, which refuses what the formatter refuses. Anything
 * else, offsets included, goes to the formatter.
 */
final class Timestamps {
  private Timestamps() {}

  /**
   * The instant {@code text} names.
   *
   * @throws DateTimeException when it is not an ISO-8601 date-time with an offset
   */
  static Instant parse(String text) {
    Instant fast = utc(text);
    return fast != null ? fast : OffsetDateTime.parse(text).toInstant();
  }

  /** The instant of {@code YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z}; null for any other form. */
  private static Instant utc(String s) {
    int n = s.length();
    if (n < 20 || n > 30 || s.charAt(n - 1) != 'Z') {
      return null;
    }
    if (s.charAt(4) != '-'
        || s.charAt(7) != '-'
        || s.charAt(10) != 'T'
        || s.charAt(13) != ':'
        || s.charAt(16) != ':') {
      return null;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    if ((year | month | day | hour | minute | second) < 0) {
      return null;
    }
    int nanos = 0;
    if (n > 20) {
      // a fraction of 1 to 9 digits after a dot
      int fraction = n - 21;
      if (s.charAt(19) != '.' || fraction < 1 || fraction > 9) {
        return null;
      }
      nanos = digits(s, 20, fraction);
      if (nanos < 0) {
        return null;
      }
      for (int i = fraction; i < 9; i++) {
        nanos *= 10;
      }
    }
    return LocalDateTime.of(year, month, day, hour, minute, second, nanos)
        .toInstant(ZoneOffset.UTC);
  }

  /** The value of {@code count} ASCII digits from {@code from}; -1 if any is not one. */
  private static int digits(String s, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }
}
