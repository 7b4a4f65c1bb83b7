package dev.vigil.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * The {@code Prefer} request header (RFC 7240), as far as Vigil honours it: {@code return=minimal}
 * or {@code return=representation}. Every {@code Prefer} header of a request is read, in order; a
 * preference given twice counts the first time only (§2), and anything not understood is ignored,
 * as the RFC asks. A request whose preference was honoured is answered with {@link #APPLIED}.
 */
public final class Preferences {

  /** What a request asked to be returned. */
  public enum Return {
    /** No {@code return} preference, or one Vigil does not know: the full answer. */
    REPRESENTATION,
    /** {@code return=minimal}: the smallest answer that still says what happened. */
    MINIMAL
  }

  /** {@code Preference-Applied: return=minimal}, on an answer made minimal on request. */
  public static final HttpHeader APPLIED = RawHeader.create("Preference-Applied", "return=minimal");

  private Preferences() {}

  /** The {@code return} preference of a request. */
  public static Return returnOf(HttpRequest request) {
    for (HttpHeader header : request.getHeaders()) {
      if (header.is("prefer")) {
        Optional<String> value = returnValue(header.value());
        if (value.isPresent()) {
          return "minimal".equals(value.get()) ? Return.MINIMAL : Return.REPRESENTATION;
        }
      }
    }
    return Return.REPRESENTATION;
  }

  /**
   * The value of the first {@code return} preference in one header value, lower-cased and unquoted,
   * or empty when there is none. Preferences are separated by commas, their parameters by
   * semicolons; names are case-insensitive; a value may be a token or a quoted string.
   */
  static Optional<String> returnValue(String header) {
    for (String preference : splitOutsideQuotes(header, ',')) {
      String head = splitOutsideQuotes(preference, ';').get(0).trim();
      int eq = head.indexOf('=');
      String name = (eq < 0 ? head : head.substring(0, eq)).trim();
      if (!name.equalsIgnoreCase("return")) {
        continue;
      }
      String value = eq < 0 ? "" : head.substring(eq + 1).trim();
      if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
        value = value.substring(1, value.length() - 1);
      }
      return Optional.of(value.toLowerCase(Locale.ROOT));
    }
    return Optional.empty();
  }

  private static List<String> splitOutsideQuotes(String s, char separator) {
    List<String> parts = new ArrayList<>();
    boolean quoted = false;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (c == '\\' && quoted) {
        i++;
      } else if (c == separator && !quoted) {
        parts.add(s.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(s.substring(start));
    return parts;
  }
}
