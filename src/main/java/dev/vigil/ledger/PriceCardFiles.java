package dev.vigil.ledger;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the price card: {@code conf/price-card.conf} beside the process, else the copy shipped in
 * the jar, with the operator's file (if one is configured) laid over it.
 */
public final class PriceCardFiles {
  static final Path SHIPPED_FILE = Path.of("conf", "price-card.conf");
  static final String SHIPPED_RESOURCE = "vigil-conf/price-card.conf";

  private PriceCardFiles() {}

  /**
   * @param operatorFile the operator's overlay, or empty for none
   * @throws IllegalArgumentException naming the file and the entry when a card is invalid
   */
  public static PriceCard load(String operatorFile) {
    ConfigParseOptions strict = ConfigParseOptions.defaults().setAllowMissing(false);
    PriceCard card;
    try {
      if (Files.isRegularFile(SHIPPED_FILE)) {
        card =
            parse(ConfigFactory.parseFile(SHIPPED_FILE.toFile(), strict), SHIPPED_FILE.toString());
      } else {
        card = parse(ConfigFactory.parseResources(SHIPPED_RESOURCE, strict), SHIPPED_RESOURCE);
      }
      if (!operatorFile.isBlank()) {
        Path file = Path.of(operatorFile);
        if (!Files.isRegularFile(file)) {
          throw new IllegalArgumentException("price card file not found: " + file.toAbsolutePath());
        }
        card = card.overlay(parse(ConfigFactory.parseFile(file.toFile(), strict), operatorFile));
      }
      return card;
    } catch (ConfigException e) {
      throw new IllegalArgumentException("price card: " + e.getMessage(), e);
    }
  }

  static PriceCard parse(Config config, String origin) {
    return PriceCard.fromConfig(config.resolve(), origin);
  }
}
