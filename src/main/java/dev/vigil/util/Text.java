package dev.vigil.util;

import java.util.Optional;

/**
 * What PostgreSQL cannot store in text or JSON: the NUL character ({@code U+0000}), and a UTF-16
 * surrogate without its pair (no UTF-8 for it). Input from an API client is refused with {@link
 * #problem}; text a visitor's browser or request carries (a page title, a URL, a request path) is
 * kept with {@link #storable}, since refusing it would lose the page view or the decision.
 */
public final class Text {
  public static final String NUL_RULE = "must not contain NUL characters";
  public static final String UNPAIRED_RULE = "must be valid Unicode (it has an unpaired surrogate)";

  private static final char REPLACEMENT = '\uFFFD';

  private Text() {}

  /** Why {@code s} cannot be stored, as a rule for an error message; empty when it can. */
  public static Optional<String> problem(String s) {
    if (s.indexOf(0) >= 0) {
      return Optional.of(NUL_RULE);
    }
    return unpairedSurrogate(s) ? Optional.of(UNPAIRED_RULE) : Optional.empty();
  }

  /** {@code s} itself when it can be stored; otherwise with U+FFFD for each NUL or lone half. */
  public static String storable(String s) {
    if (s == null || problem(s).isEmpty()) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        b.append(c).append(s.charAt(++i));
      } else {
        b.append(c == 0 || Character.isSurrogate(c) ? REPLACEMENT : c);
      }
    }
    return b.toString();
  }

  public static boolean unpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }
}
