package dev.vigil.ledger;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a site's privacy tier lets the ledger keep, decided by an allow-list per tier (not by
 * deleting known key names): tier 1 metadata only (ids, times, tokens, cost, status); tier 2 also
 * an excerpt of the prompt and of each tool's input; tier 3 also excerpts of the completion and of
 * tool output, and the full texts and bodies in the separate payload table.
 */
public final class Privacy {
  /** Excerpts are the first this many characters. */
  static final int EXCERPT_CHARS = 2000;

  private Privacy() {}

  static String promptExcerpt(int tier, String prompt) {
    return tier >= 2 ? excerpt(prompt) : null;
  }

  static String inputExcerpt(int tier, JsonNode input) {
    return tier >= 2 && input != null ? excerpt(asText(input)) : null;
  }

  static String completionExcerpt(int tier, String completion) {
    return tier >= 3 ? excerpt(completion) : null;
  }

  static String outputExcerpt(int tier, JsonNode output) {
    return tier >= 3 && output != null ? excerpt(asText(output)) : null;
  }

  static boolean keepsPayloads(int tier) {
    return tier >= 3;
  }

  /** A string value as itself, anything else as its JSON text. */
  private static String asText(JsonNode node) {
    return node.isTextual() ? node.asText() : node.toString();
  }

  private static String excerpt(String text) {
    if (text == null) {
      return null;
    }
    if (text.length() <= EXCERPT_CHARS) {
      return text;
    }
    // do not cut a surrogate pair in half
    int end =
        Character.isHighSurrogate(text.charAt(EXCERPT_CHARS - 1))
            ? EXCERPT_CHARS - 1
            : EXCERPT_CHARS;
    return text.substring(0, end);
  }
}
