package dev.vigil.ledger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Prices calls by a {@link PriceCard} as {@link PriceCard#price} does, without resolving the model
 * id again for every call: which prefix of the card covers a model id is remembered per id as sent
 * (a bounded number of ids, each at most {@link #MAX_CACHED_LENGTH} characters; longer ones are
 * resolved every time), and each prefix's entries are grouped once. Which entry is in force still
 * depends on each call's start, so a card with dated entries prices every call as the card does.
 */
public final class Pricer {
  static final int MAX_MODELS = 10_000;
  static final int MAX_CACHED_LENGTH = 256;

  private final PriceCard card;
  private final Map<String, List<Price>> byPrefix;
  private final Cache<String, Optional<String>> prefixes =
      Caffeine.newBuilder().maximumSize(MAX_MODELS).build();

  public Pricer(PriceCard card) {
    this.card = card;
    this.byPrefix = card.prices().stream().collect(Collectors.groupingBy(Price::prefix));
  }

  public PriceCard card() {
    return card;
  }

  /** What a call of {@code model} that started at {@code at} cost: {@link PriceCard#price}. */
  public Cost price(String model, Usage usage, Instant at) {
    Optional<String> prefix =
        model.length() > MAX_CACHED_LENGTH ? prefixOf(model) : prefixes.get(model, this::prefixOf);
    Optional<Price> found =
        prefix.flatMap(
            p -> PriceCard.inForce(byPrefix.get(p), LocalDate.ofInstant(at, ZoneOffset.UTC)));
    return card.price(model, found, usage, at);
  }

  /** Model ids remembered (for tests). */
  long cachedModels() {
    prefixes.cleanUp();
    return prefixes.estimatedSize();
  }

  private Optional<String> prefixOf(String model) {
    return card.coveringPrefix(ModelIds.normalise(model));
  }
}
