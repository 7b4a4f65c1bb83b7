package dev.vigil.ledger;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Model ids as providers, gateways and clouds spell them, reduced to the id a price card lists:
 * lower case, without a path ({@code models/}, {@code openai/}), cloud region or vendor prefix
 * ({@code us.anthropic.}), a bracketed option ({@code [1m]}), a Vertex {@code @version}, a Bedrock
 * {@code -v1:0} or a date ({@code -20250929}, {@code -2024-08-06}).
 */
public final class ModelIds {
  private static final List<String> DOTTED_PREFIXES =
      List.of("us.", "eu.", "apac.", "global.", "anthropic.", "openai.", "google.", "meta.");
  private static final Pattern BRACKETED = Pattern.compile("\\[[^]]*]$");
  private static final Pattern BEDROCK_VERSION = Pattern.compile("-v\\d+(:\\d+)?$");
  private static final Pattern COLON_VERSION = Pattern.compile(":\\d+$");
  private static final Pattern DATE = Pattern.compile("-(\\d{8}|\\d{4}-\\d{2}-\\d{2})$");

  private ModelIds() {}

  public static String normalise(String model) {
    String id = model.strip().toLowerCase(Locale.ROOT);
    id = BRACKETED.matcher(id).replaceAll("");
    int slash = id.lastIndexOf('/');
    if (slash >= 0) {
      id = id.substring(slash + 1);
    }
    boolean stripped = true;
    while (stripped) {
      stripped = false;
      for (String prefix : DOTTED_PREFIXES) {
        if (id.startsWith(prefix) && id.length() > prefix.length()) {
          id = id.substring(prefix.length());
          stripped = true;
        }
      }
    }
    int at = id.indexOf('@');
    if (at > 0) {
      id = id.substring(0, at);
    }
    id = BEDROCK_VERSION.matcher(id).replaceAll("");
    id = COLON_VERSION.matcher(id).replaceAll("");
    id = DATE.matcher(id).replaceAll("");
    return id;
  }

  /**
   * Whether a card prefix covers a normalised id: the id is the prefix, or continues it with a
   * named variant ({@code -preview}, {@code -latest}) but not with another version number, so
   * {@code claude-opus-4} does not price a future {@code claude-opus-4-9} at the old rate.
   */
  public static boolean covers(String prefix, String normalisedId) {
    if (!normalisedId.startsWith(prefix)) {
      return false;
    }
    if (normalisedId.length() == prefix.length()) {
      return true;
    }
    char next = normalisedId.charAt(prefix.length());
    if (next != '-' && next != '.' && next != ':') {
      return false;
    }
    return normalisedId.length() > prefix.length() + 1
        && !Character.isDigit(normalisedId.charAt(prefix.length() + 1));
  }
}
