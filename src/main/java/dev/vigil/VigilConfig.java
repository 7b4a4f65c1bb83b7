package dev.vigil;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds and parses Vigil's configuration: an explicit {@code --config} file, else {@code
 * conf/application.conf} in the working directory, else the copy shipped inside the jar. Each file
 * includes one file per concern; {@code VIGIL_*} environment variables override single keys through
 * the {@code ${?VIGIL_...}} lines in those files.
 */
public final class VigilConfig {
  static final Path DEFAULT_FILE = Path.of("conf", "application.conf");
  static final String SHIPPED_RESOURCE = "vigil-conf/application.conf";

  private VigilConfig() {}

  /** Loads and resolves the configuration, with every library's reference.conf as fallback. */
  public static Config load(Optional<Path> explicitFile) {
    Config own;
    try {
      own = parseOwn(explicitFile);
    } catch (ConfigException e) {
      throw new StartupException("configuration is invalid: " + e.getMessage(), e);
    }
    return resolve(own);
  }

  /** Resolves a configuration tree (for example a test's overrides) against the defaults. */
  public static Config resolve(Config own) {
    try {
      return own.withFallback(ConfigFactory.defaultReference()).resolve();
    } catch (ConfigException e) {
      throw new StartupException("configuration is invalid: " + e.getMessage(), e);
    }
  }

  /** The shipped configuration as parsed from the jar (used by tests and as the last fallback). */
  public static Config shipped() {
    return ConfigFactory.parseResources(
        SHIPPED_RESOURCE, ConfigParseOptions.defaults().setAllowMissing(false));
  }

  private static Config parseOwn(Optional<Path> explicitFile) {
    ConfigParseOptions strict = ConfigParseOptions.defaults().setAllowMissing(false);
    if (explicitFile.isPresent()) {
      Path file = explicitFile.get();
      if (!Files.isRegularFile(file)) {
        throw new StartupException("configuration file not found: " + file.toAbsolutePath());
      }
      return ConfigFactory.parseFile(file.toFile(), strict);
    }
    if (Files.isRegularFile(DEFAULT_FILE)) {
      return ConfigFactory.parseFile(DEFAULT_FILE.toFile(), strict);
    }
    return shipped();
  }
}
