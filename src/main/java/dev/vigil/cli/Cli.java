package dev.vigil.cli;

import com.typesafe.config.Config;
import dev.vigil.VigilConfig;
import dev.vigil.db.Database;
import dev.vigil.db.DatabaseSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Optional;

/** What the subcommands share: loading configuration and choosing the log setup before logging. */
final class Cli {
  private Cli() {}

  /**
   * Loads the configuration and sets the properties logback.xml reads. Must run before the first
   * logger is created: logback configures itself once, on first use.
   */
  static Config loadConfig(Optional<Path> file, boolean quiet) {
    Config config = VigilConfig.load(file);
    System.setProperty("vigil.log.format", config.getString("vigil.log.format").toUpperCase());
    if (quiet) {
      System.setProperty("vigil.log.level", "WARN");
      System.setProperty("vigil.log.target", "System.err");
    }
    return config;
  }

  /** The database for an admin command: attaches to a running embedded server, or starts one. */
  static Database openDatabase(Config config) {
    return Database.open(DatabaseSettings.fromConfig(config), new SimpleMeterRegistry());
  }
}
