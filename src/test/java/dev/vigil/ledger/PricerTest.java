package dev.vigil.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pricer answers exactly as its card, with each model id resolved once. */
class PricerTest {
  private static final PriceCard CARD = PriceCardFiles.load("");

  private static final List<String> MODELS =
      List.of(
          "claude-sonnet-4-5-20250929",
          "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
          "claude-opus-4-6[1m]",
          "claude-opus-4-9",
          "o3",
          "o3-2025-04-16",
          "GPT-4o-Mini",
          "openai/gpt-4o-2024-08-06",
          "gemini-2.5-pro",
          "gemini-2.5-flash-preview-05-20",
          "llama-3-70b",
          "mystery",
          "x".repeat(Pricer.MAX_CACHED_LENGTH + 1));

  private static final List<Usage> USAGES =
      List.of(
          new Usage(1_000, 500, 20_000, 4_000, 2_000, 3),
          new Usage(150_000, 1_000, 60_000, 0, 0, 0),
          new Usage(1_000, 1_000, 0, 0, 0, 0),
          new Usage(0, 0, 1_000, 0, 0, 0));

  // o3's price changed on 2025-06-10: calls on either side of it, in any order, priced by the day
  private static final List<Instant> STARTS =
      List.of(
          Instant.parse("2025-07-01T00:00:00Z"),
          Instant.parse("2025-05-01T00:00:00Z"),
          Instant.parse("2026-11-22T12:00:00Z"),
          Instant.parse("2025-06-09T23:59:59.999999Z"));

  @Test
  void pricesEveryCallAsTheCardDoes() {
    Pricer pricer = new Pricer(CARD);
    for (int pass = 0; pass < 2; pass++) {
      for (Instant at : STARTS) {
        for (String model : MODELS) {
          for (Usage usage : USAGES) {
            assertThat(pricer.price(model, usage, at))
                .as("%s at %s, pass %d", model, at, pass)
                .isEqualTo(CARD.price(model, usage, at));
          }
        }
      }
    }
  }

  @Test
  void remembersEachModelIdOnceAndNotOverlongOnes() {
    Pricer pricer = new Pricer(CARD);
    Usage usage = USAGES.get(2);
    for (Instant at : STARTS) {
      pricer.price("o3", usage, at);
      pricer.price("GPT-4o-Mini", usage, at);
      pricer.price("x".repeat(Pricer.MAX_CACHED_LENGTH + 1), usage, at);
    }
    assertThat(pricer.cachedModels()).isEqualTo(2);
  }

  @Test
  void anOperatorsCardIsTheOnePriced() {
    PriceCard operator =
        PriceCard.fromConfig(
            com.typesafe.config.ConfigFactory.parseString(
                "version = acme-1, prices = [{prefix = gpt-4o, input = 2, output = 8}]"),
            "test");
    Pricer pricer = new Pricer(CARD.overlay(operator));
    Cost cost = pricer.price("gpt-4o", new Usage(1_000, 0, 0, 0, 0, 0), STARTS.get(2));
    assertThat(cost.microdollars()).isEqualTo(2_000);
    assertThat(cost.cardVersion()).isEqualTo(CARD.version() + "+acme-1");
  }
}
