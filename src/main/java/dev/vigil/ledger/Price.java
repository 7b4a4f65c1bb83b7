package dev.vigil.ledger;

import java.math.BigDecimal;
import java.time.LocalDate;

/**
 * One entry of the price card: the rates of the models whose normalised id starts with {@code
 * prefix}, from {@code effectiveFrom} (null: from the start). Token rates are USD per million
 * tokens, web search USD per 1,000 searches; a null rate is unknown. Above {@code longContextAbove}
 * prompt tokens the {@code longContext} rates apply where they are given.
 */
public record Price(
    String prefix,
    String provider,
    LocalDate effectiveFrom,
    Rates rates,
    BigDecimal webSearchPer1000,
    Long longContextAbove,
    Rates longContext) {

  /** Token rates, USD per million tokens; null when unknown. */
  public record Rates(
      BigDecimal input,
      BigDecimal output,
      BigDecimal cacheRead,
      BigDecimal cacheWrite5m,
      BigDecimal cacheWrite1h) {

    /** These rates with the gaps filled from {@code base}. */
    Rates over(Rates base) {
      return new Rates(
          input != null ? input : base.input,
          output != null ? output : base.output,
          cacheRead != null ? cacheRead : base.cacheRead,
          cacheWrite5m != null ? cacheWrite5m : base.cacheWrite5m,
          cacheWrite1h != null ? cacheWrite1h : base.cacheWrite1h);
    }
  }

  /** The rates for a call of this prompt size. */
  Rates ratesFor(Usage usage) {
    if (longContext != null
        && longContextAbove != null
        && usage.promptTokens() > longContextAbove) {
      return longContext.over(rates);
    }
    return rates;
  }
}
