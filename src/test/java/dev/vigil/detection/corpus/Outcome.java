package dev.vigil.detection.corpus;

/**
 * What one detector made of one actor: how many requests the actor sent, the first request that got
 * a bot verdict or a refusal (1-based; 0 when none did), and why.
 */
public record Outcome(int requests, int verdictAt, String reason) {
  public boolean detected() {
    return verdictAt > 0;
  }
}
