package dev.vigil.ledger;

/**
 * What one model call used, in disjoint counts: uncached input, output, cache reads, 5-minute and
 * 1-hour cache writes (tokens), and server-side web searches.
 */
public record Usage(
    long input,
    long output,
    long cacheRead,
    long cacheWrite5m,
    long cacheWrite1h,
    long webSearches) {

  public static final Usage NONE = new Usage(0, 0, 0, 0, 0, 0);

  /** The size of the prompt: every input token, cached or not (long-context tiers use it). */
  public long promptTokens() {
    return input + cacheRead + cacheWrite5m + cacheWrite1h;
  }

  public long totalTokens() {
    return promptTokens() + output;
  }
}
