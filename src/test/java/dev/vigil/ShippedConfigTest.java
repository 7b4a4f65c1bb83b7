package dev.vigil;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.vigil.cluster.ClusterSettings;
import dev.vigil.db.DatabaseSettings;
import dev.vigil.http.HttpSettings;
import dev.vigil.writer.WriterSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The configuration that ships in conf/ parses, and every settings record reads from it. */
class ShippedConfigTest {
  private static final Path CONF = Path.of("conf");

  @Test
  void theShippedFilesParseIntoEverySettingsRecord() {
    Config config = VigilConfig.load(Optional.of(CONF.resolve("application.conf")));

    assertThat(HttpSettings.fromConfig(config).port()).isEqualTo(8080);
    DatabaseSettings db = DatabaseSettings.fromConfig(config);
    assertThat(db.embedded())
        .as("no URL means embedded")
        .isEqualTo(System.getenv("VIGIL_DB_URL") == null);
    assertThat(db.embeddedDataDir()).isEqualTo(Path.of("data/pg"));
    assertThat(ClusterSettings.fromConfig(config).selfJoin()).isTrue();
    assertThat(WriterSettings.fromConfig(config, "engagement_events").maxBatchRows()).isPositive();
    assertThat(config.getString("pekko.actor.provider")).isEqualTo("cluster");
    assertThat(config.getString("pekko.cluster.sharding.use-dispatcher"))
        .as("sharding routes on the entities' dispatcher (conf/pekko.conf says why)")
        .isEqualTo("pekko.actor.default-dispatcher");
    assertThat(config.getString("pekko.projection.jdbc.dialect")).isEqualTo("postgres-dialect");
  }

  @Test
  void bothJournalPoolsGetTheDatabaseAndPollsArePlannedWithTheirValues() {
    Config config = VigilConfig.load(Optional.of(CONF.resolve("application.conf")));
    Config runtime =
        VigilServer.runtimeConfig(
            config,
            ClusterSettings.fromConfig(config),
            new dev.vigil.db.ConnectionInfo("jdbc:postgresql://127.0.0.1:1/x", "u", "p"),
            dev.vigil.db.DatabaseSettings.fromConfig(config));

    String pools = "pekko-persistence-jdbc.shared-databases.";
    for (String pool : new String[] {"slick", "slick-query"}) {
      assertThat(runtime.getString(pools + pool + ".db.url"))
          .isEqualTo("jdbc:postgresql://127.0.0.1:1/x");
      assertThat(runtime.getString(pools + pool + ".db.user")).isEqualTo("u");
      assertThat(runtime.getString(pools + pool + ".db.properties.socketTimeout")).isEqualTo("120");
      assertThat(runtime.getString(pools + pool + ".db.properties.options"))
          .isEqualTo("-c statement_timeout=90000");
    }
    assertThat(runtime.getString("jdbc-read-journal.use-shared-db")).isEqualTo("slick-query");
    assertThat(runtime.getString("jdbc-journal.use-shared-db")).isEqualTo("slick");
    assertThat(runtime.getString(pools + "slick-query.db.connectionInitSql"))
        .isEqualTo("SET plan_cache_mode = force_custom_plan");
    assertThat(runtime.getInt(pools + "slick-query.db.maxConnections"))
        .isEqualTo(runtime.getInt(pools + "slick-query.db.numThreads"));
  }

  @Test
  void theCopyInsideTheJarIsTheSameAsConf() {
    Config fromFile = VigilConfig.load(Optional.of(CONF.resolve("application.conf")));
    Config fromJar = VigilConfig.resolve(VigilConfig.shipped());
    ConfigRenderOptions concise = ConfigRenderOptions.concise();
    assertThat(fromJar.getConfig("vigil").root().render(concise))
        .isEqualTo(fromFile.getConfig("vigil").root().render(concise));
  }

  @Test
  void everyVigilKeyHasAnEnvironmentOverride() throws Exception {
    // Each `key = default` line inside a vigil block is followed by `key = ${?VIGIL_...}`.
    Pattern assignment = Pattern.compile("^\\s*([a-z][a-z0-9_-]*)\\s*=\\s*(.+)$");
    try (Stream<Path> files = Files.list(CONF)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".conf")).toList()) {
        String text = Files.readString(file);
        if (!text.contains("vigil.")
            || file.endsWith("application.conf")
            || file.endsWith("pekko.conf")) {
          continue;
        }
        var lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
          Matcher m = assignment.matcher(lines.get(i));
          if (m.matches() && !m.group(2).startsWith("${?") && !m.group(2).matches("^[\\[{].*")) {
            String key = m.group(1);
            if (key.equals("database") && lines.get(i).contains("\"vigil\"")) {
              continue; // the embedded database's name is fixed on purpose
            }
            assertThat(i + 1 < lines.size() ? lines.get(i + 1) : "")
                .as("%s: %s needs an ${?VIGIL_...} override on the next line", file, key)
                .matches("^\\s*" + Pattern.quote(key) + "\\s*=\\s*\\$\\{\\?VIGIL_[A-Z0-9_]+}\\s*$");
          }
        }
      }
    }
  }

  @Test
  void aMissingConfigFileIsAStartupErrorNamingIt() {
    assertThatThrownBy(() -> VigilConfig.load(Optional.of(Path.of("nope.conf"))))
        .isInstanceOf(StartupException.class)
        .hasMessageContaining("nope.conf");
  }

  @Test
  void anInvalidValueIsAStartupErrorNamingTheKey() {
    Config bad =
        VigilConfig.resolve(
            ConfigFactory.parseString("vigil.cluster.seed-nodes = \"not a seed\"")
                .withFallback(VigilConfig.shipped()));
    assertThatThrownBy(() -> ClusterSettings.fromConfig(bad))
        .hasMessageContaining("vigil.cluster.seed-nodes");
  }
}
