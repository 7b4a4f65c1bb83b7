package dev.vigil.ledger;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A versioned price card (data from {@code conf/price-card.conf}, optionally overlaid by the
 * operator's file): finds a model's price by the longest prefix of its normalised id, and prices a
 * call in integer microdollars. Tokens × USD per million tokens is microdollars, so the token cost
 * is the exact decimal sum rounded half up once; web searches are added at fee / 1,000 each.
 */
public record PriceCard(String version, List<Price> prices) {
  private static final BigDecimal MICRODOLLARS_PER_SEARCH_PER_USD_PER_1000 =
      BigDecimal.valueOf(1000);

  public PriceCard {
    if (version == null || version.isBlank()) {
      throw new IllegalArgumentException("price card: version must not be empty");
    }
    prices = List.copyOf(prices);
    Set<String> keys = new HashSet<>();
    for (Price p : prices) {
      if (!keys.add(p.prefix() + "@" + p.effectiveFrom())) {
        throw new IllegalArgumentException(
            "price card "
                + version
                + ": prefix '"
                + p.prefix()
                + "' is listed twice with the same effective-from");
      }
    }
  }

  /** The entry in force at {@code at} for a model id, by longest covering prefix. */
  public Optional<Price> find(String model, Instant at) {
    return coveringPrefix(ModelIds.normalise(model))
        .flatMap(
            prefix ->
                inForce(
                    prices.stream().filter(p -> p.prefix().equals(prefix)).toList(),
                    LocalDate.ofInstant(at, ZoneOffset.UTC)));
  }

  /** The longest prefix of the card that covers a normalised model id. */
  Optional<String> coveringPrefix(String normalisedId) {
    return prices.stream()
        .map(Price::prefix)
        .filter(prefix -> ModelIds.covers(prefix, normalisedId))
        .max(Comparator.comparingInt(String::length));
  }

  /** Of one prefix's entries, the one in force on {@code day}: the latest effective by then. */
  static Optional<Price> inForce(List<Price> entries, LocalDate day) {
    return entries.stream()
        .filter(p -> p.effectiveFrom() == null || !p.effectiveFrom().isAfter(day))
        .max(
            Comparator.comparing(
                Price::effectiveFrom, Comparator.nullsFirst(Comparator.naturalOrder())));
  }

  /** What a call of {@code model} that started at {@code at} cost. */
  public Cost price(String model, Usage usage, Instant at) {
    return price(model, find(model, at), usage, at);
  }

  /** What a call cost at the entry found for it ({@link #find}, or the same rule cached). */
  Cost price(String model, Optional<Price> found, Usage usage, Instant at) {
    if (found.isEmpty()) {
      return Cost.unpriced(
          version,
          "no price for model '"
              + model
              + "' (as '"
              + ModelIds.normalise(model)
              + "') on "
              + LocalDate.ofInstant(at, ZoneOffset.UTC));
    }
    Price price = found.get();
    Price.Rates r = price.ratesFor(usage);
    BigDecimal tokens = BigDecimal.ZERO;
    String[] names = {"input", "output", "cache-read", "cache-write-5m", "cache-write-1h"};
    long[] counts = {
      usage.input(), usage.output(), usage.cacheRead(), usage.cacheWrite5m(), usage.cacheWrite1h()
    };
    BigDecimal[] rates = {r.input(), r.output(), r.cacheRead(), r.cacheWrite5m(), r.cacheWrite1h()};
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] == 0) {
        continue;
      }
      if (rates[i] == null) {
        return Cost.unpriced(
            version, "price '" + price.prefix() + "' has no " + names[i] + " rate");
      }
      tokens = tokens.add(rates[i].multiply(BigDecimal.valueOf(counts[i])));
    }
    long web = 0;
    if (usage.webSearches() > 0) {
      if (price.webSearchPer1000() == null) {
        return Cost.unpriced(
            version, "price '" + price.prefix() + "' has no web-search-per-1000 rate");
      }
      web =
          price
              .webSearchPer1000()
              .multiply(MICRODOLLARS_PER_SEARCH_PER_USD_PER_1000)
              .multiply(BigDecimal.valueOf(usage.webSearches()))
              .setScale(0, RoundingMode.HALF_UP)
              .longValueExact();
    }
    long tokenCost = tokens.setScale(0, RoundingMode.HALF_UP).longValueExact();
    return new Cost(true, tokenCost + web, web, version, price.prefix(), null);
  }

  /**
   * This card with the operator's entries laid over it: an operator prefix replaces every entry of
   * that prefix here. The version names both cards.
   */
  public PriceCard overlay(PriceCard operator) {
    Set<String> replaced =
        operator.prices().stream().map(Price::prefix).collect(Collectors.toSet());
    List<Price> merged = new ArrayList<>();
    prices.stream().filter(p -> !replaced.contains(p.prefix())).forEach(merged::add);
    merged.addAll(operator.prices());
    return new PriceCard(version + "+" + operator.version(), merged);
  }

  /** The card as plain maps and lists (decimals as strings), to be stored with its version. */
  public Map<String, Object> describe() {
    Map<String, Object> card = new LinkedHashMap<>();
    card.put("version", version);
    List<Map<String, Object>> entries = new ArrayList<>();
    for (Price p : prices) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("prefix", p.prefix());
      e.put("provider", p.provider());
      e.put("effective-from", p.effectiveFrom() == null ? null : p.effectiveFrom().toString());
      putRates(e, p.rates());
      e.put("web-search-per-1000", plain(p.webSearchPer1000()));
      if (p.longContext() != null) {
        Map<String, Object> lc = new LinkedHashMap<>();
        lc.put("above-tokens", p.longContextAbove());
        putRates(lc, p.longContext());
        e.put("long-context", lc);
      }
      entries.add(e);
    }
    card.put("prices", entries);
    return card;
  }

  /** Reads a card file's tree: {@code version} and {@code prices = [{prefix, ...}]}. */
  public static PriceCard fromConfig(Config config, String origin) {
    try {
      String version = config.getString("version");
      List<Price> prices = new ArrayList<>();
      var entries = config.getConfigList("prices");
      for (int i = 0; i < entries.size(); i++) {
        prices.add(entry(entries.get(i), origin + ": prices[" + i + "]"));
      }
      return new PriceCard(version, prices);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
    }
  }

  private static Price entry(Config c, String where) {
    String prefix = c.getString("prefix").strip().toLowerCase(Locale.ROOT);
    if (prefix.isEmpty()) {
      throw new IllegalArgumentException(where + ".prefix must not be empty");
    }
    LocalDate from = null;
    if (c.hasPath("effective-from")) {
      try {
        from = LocalDate.parse(c.getString("effective-from"));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(where + ".effective-from must be a date (YYYY-MM-DD)");
      }
    }
    Long above = null;
    Price.Rates longContext = null;
    if (c.hasPath("long-context")) {
      Config lc = c.getConfig("long-context");
      above = lc.getLong("above-tokens");
      longContext = rates(lc, where + ".long-context");
    }
    return new Price(
        prefix,
        c.hasPath("provider") ? c.getString("provider") : null,
        from,
        rates(c, where),
        rate(c, "web-search-per-1000", where),
        above,
        longContext);
  }

  private static Price.Rates rates(Config c, String where) {
    return new Price.Rates(
        rate(c, "input", where),
        rate(c, "output", where),
        rate(c, "cache-read", where),
        rate(c, "cache-write-5m", where),
        rate(c, "cache-write-1h", where));
  }

  private static BigDecimal rate(Config c, String key, String where) {
    if (!c.hasPath(key)) {
      return null;
    }
    try {
      // the text as written (0.075 stays exactly 0.075, not the nearest double)
      BigDecimal value = new BigDecimal(c.getString(key).strip());
      if (value.signum() < 0) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(where + "." + key + " must be a number >= 0");
    }
  }

  private static void putRates(Map<String, Object> e, Price.Rates r) {
    e.put("input", plain(r.input()));
    e.put("output", plain(r.output()));
    e.put("cache-read", plain(r.cacheRead()));
    e.put("cache-write-5m", plain(r.cacheWrite5m()));
    e.put("cache-write-1h", plain(r.cacheWrite1h()));
  }

  private static String plain(BigDecimal d) {
    return d == null ? null : d.stripTrailingZeros().toPlainString();
  }
}
