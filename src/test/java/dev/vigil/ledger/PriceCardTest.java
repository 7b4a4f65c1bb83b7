package dev.vigil.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Costs from the shipped card against values computed by hand from its rates (USD per million
 * tokens × tokens = microdollars; web search $10 / 1,000 = 10,000 µ$ each).
 */
class PriceCardTest {
  private static final PriceCard CARD = PriceCardFiles.load("");
  private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");

  private static Usage usage(long in, long out, long read, long w5, long w1, long web) {
    return new Usage(in, out, read, w5, w1, web);
  }

  @Test
  void pricesEveryKindOfTokenAndWebSearchesOnTheirOwnLine() {
    // sonnet 4.5: in 3, out 15, read 0.30, 5m write 3.75, 1h write 6; web search $10 / 1000
    Cost cost =
        CARD.price("claude-sonnet-4-5-20250929", usage(1_000, 500, 20_000, 4_000, 2_000, 3), NOW);

    // 3,000 + 7,500 + 6,000 + 15,000 + 12,000 = 43,500 for tokens; 3 × 10,000 for searches
    assertThat(cost.priced()).isTrue();
    assertThat(cost.microdollars()).isEqualTo(73_500);
    assertThat(cost.webSearchMicrodollars()).isEqualTo(30_000);
    assertThat(cost.priceKey()).isEqualTo("claude-sonnet-4-5");
    assertThat(cost.cardVersion()).isEqualTo(CARD.version());
  }

  @ParameterizedTest(name = "{0}: {1} input, {2} output, {3} read, {4} 5m, {5} 1h → {6} µ$")
  @CsvSource({
    "claude-opus-4-1, 1000000, 0, 0, 0, 0, 15000000",
    "claude-opus-4-1, 0, 1, 0, 0, 0, 75",
    "claude-opus-4-1, 0, 0, 10, 0, 0, 15",
    "claude-opus-4-1, 0, 0, 0, 100, 0, 1875",
    "claude-opus-4-1, 0, 0, 0, 0, 7, 210",
    "claude-haiku-4-5, 1000, 1000, 1000, 1000, 1000, 9350",
    "claude-opus-4-6, 2000, 100, 0, 0, 1000, 22500",
    "gpt-4o-mini, 7, 3, 0, 0, 0, 3",
    "gpt-4o-mini, 0, 0, 3, 0, 0, 0",
    "gpt-4o, 1000, 1000, 1000, 0, 0, 13750",
    "gpt-4.1-nano, 1000000, 0, 1000000, 0, 0, 125000",
    "gemini-2.5-flash, 1000, 1000, 1000, 0, 0, 2830",
  })
  void pricesEachKindFromTheCard(
      String model, long in, long out, long read, long w5, long w1, long expected) {
    // e.g. haiku 4.5: 1,000 × (1 + 5 + 0.10 + 1.25 + 2) = 9,350; gpt-4o-mini 7 × 0.15 + 3 × 0.60
    // = 2.85 → 3 (rounded once, half up); 3 cached × 0.075 = 0.225 → 0
    assertThat(CARD.price(model, usage(in, out, read, w5, w1, 0), NOW).microdollars())
        .isEqualTo(expected);
  }

  @Test
  void usesTheLongContextRatesAboveTheirPromptSize() {
    // 2.5 Pro: prompt 150k uncached + 60k cached = 210k > 200k: 2.50 in, 0.25 read, 15 out
    assertThat(
            CARD.price("gemini-2.5-pro", usage(150_000, 1_000, 60_000, 0, 0, 0), NOW)
                .microdollars())
        .isEqualTo(375_000 + 15_000 + 15_000);
    // 100k prompt: 1.25 in, 10 out
    assertThat(CARD.price("gemini-2.5-pro", usage(100_000, 1_000, 0, 0, 0, 0), NOW).microdollars())
        .isEqualTo(125_000 + 10_000);
  }

  @Test
  void picksThePriceInForceWhenTheCallStarted() {
    Usage u = usage(1_000, 1_000, 0, 0, 0, 0);
    assertThat(CARD.price("o3", u, Instant.parse("2025-05-01T00:00:00Z")).microdollars())
        .isEqualTo(10_000 + 40_000);
    assertThat(CARD.price("o3-2025-04-16", u, Instant.parse("2025-07-01T00:00:00Z")).microdollars())
        .isEqualTo(2_000 + 8_000);
    // the launch-era cached rate is not on the card: unpriced, not guessed
    Cost cached =
        CARD.price("o3", usage(0, 0, 1_000, 0, 0, 0), Instant.parse("2025-05-01T00:00:00Z"));
    assertThat(cached.priced()).isFalse();
    assertThat(cached.unpricedReason()).contains("cache-read");
  }

  @Test
  void neverInventsAPriceForAnUnknownModelOrANewerVersion() {
    for (String model : new String[] {"llama-3-70b", "claude-opus-4-9", "mystery"}) {
      Cost cost = CARD.price(model, usage(1_000, 1_000, 0, 0, 0, 0), NOW);
      assertThat(cost.priced()).as(model).isFalse();
      assertThat(cost.microdollars()).isZero();
      assertThat(cost.priceKey()).isNull();
      assertThat(cost.unpricedReason()).contains(model);
    }
    Cost web = CARD.price("gpt-4o", usage(10, 10, 0, 0, 0, 2), NOW);
    assertThat(web.priced()).isFalse();
    assertThat(web.unpricedReason()).contains("web-search");
  }

  @ParameterizedTest
  @CsvSource({
    "anthropic.claude-3-5-haiku-20241022-v1:0, claude-3-5-haiku",
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0, claude-sonnet-4-5",
    "claude-sonnet-4-5@20250929, claude-sonnet-4-5",
    "claude-opus-4-6[1m], claude-opus-4-6",
    "models/gemini-2.5-flash, gemini-2.5-flash",
    "openai/gpt-4o-2024-08-06, gpt-4o",
    "GPT-4o-Mini, gpt-4o-mini",
    "gemini-2.5-flash-preview-05-20, gemini-2.5-flash",
  })
  void normalisesModelIdsAndMatchesTheLongestPrefix(String model, String key) {
    assertThat(CARD.price(model, usage(1, 0, 0, 0, 0, 0), NOW).priceKey()).isEqualTo(key);
  }

  @Test
  void anOperatorFileReplacesAndAddsPricesAndNamesItsVersion() {
    PriceCard operator =
        PriceCard.fromConfig(
            ConfigFactory.parseString(
                "version = acme-1, prices = [{prefix = gpt-4o, input = 2, output = 8, cache-read = 1},"
                    + " {prefix = acme-llm, input = 0.5, output = 0.5}]"),
            "test");

    PriceCard merged = CARD.overlay(operator);

    assertThat(merged.version()).isEqualTo(CARD.version() + "+acme-1");
    assertThat(merged.price("gpt-4o", usage(1_000, 0, 0, 0, 0, 0), NOW).microdollars())
        .isEqualTo(2_000);
    assertThat(merged.price("acme-llm-large", usage(2_000, 0, 0, 0, 0, 0), NOW).microdollars())
        .isEqualTo(1_000);
    assertThat(merged.price("gpt-4o-mini", usage(1_000, 0, 0, 0, 0, 0), NOW).microdollars())
        .isEqualTo(150);
  }

  @Test
  void anInvalidCardNamesTheEntryAndField() {
    assertThatThrownBy(
            () ->
                PriceCard.fromConfig(
                    ConfigFactory.parseString(
                        "version = x, prices = [{prefix = a, input = 1}, {prefix = b, input = -1}]"),
                    "ops.conf"))
        .hasMessageContaining("ops.conf: prices[1].input must be a number >= 0");
    assertThatThrownBy(
            () ->
                PriceCard.fromConfig(
                    ConfigFactory.parseString("version = x, prices = [{prefix = a}, {prefix = a}]"),
                    "ops.conf"))
        .hasMessageContaining("'a' is listed twice");
  }
}
