package dev.vigil.ledger;

/**
 * What a call cost by the price card, in integer microdollars. {@code microdollars} is the whole
 * cost (tokens and web searches); {@code webSearchMicrodollars} is the web-search part of it. When
 * the card has no price for the model, or for a kind of usage the call has, the call is unpriced:
 * both are 0 and {@code unpricedReason} says why.
 */
public record Cost(
    boolean priced,
    long microdollars,
    long webSearchMicrodollars,
    String cardVersion,
    String priceKey,
    String unpricedReason) {

  static Cost unpriced(String cardVersion, String reason) {
    return new Cost(false, 0, 0, cardVersion, null, reason);
  }
}
