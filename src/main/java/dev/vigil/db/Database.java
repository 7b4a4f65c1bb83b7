package dev.vigil.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.vigil.StartupException;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vigil's one durable store: finds (or starts) PostgreSQL, applies the versioned schema from {@code
 * sql/} with Flyway, and hands out connection pools. Failures at start become a {@link
 * StartupException} with one line naming the cause.
 */
public final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);

  private final ConnectionInfo connection;
  private final EmbeddedDatabase embedded; // null for an external server
  private final HikariDataSource queryPool;
  private final List<HikariDataSource> extraPools = new ArrayList<>();
  private final MeterRegistry registry;
  private final DatabaseSettings settings;

  private Database(
      ConnectionInfo connection,
      EmbeddedDatabase embedded,
      HikariDataSource queryPool,
      MeterRegistry registry,
      DatabaseSettings settings) {
    this.connection = connection;
    this.embedded = embedded;
    this.queryPool = queryPool;
    this.registry = registry;
    this.settings = settings;
  }

  /** Connects, migrates and opens the query pool; stops what it started if any step fails. */
  public static Database open(DatabaseSettings settings, MeterRegistry registry) {
    EmbeddedDatabase embedded = null;
    try {
      ConnectionInfo connection;
      if (settings.embedded()) {
        embedded =
            EmbeddedDatabase.startOrAttach(
                settings.embeddedDataDir(),
                settings.embeddedPort(),
                settings.embeddedDatabase(),
                settings.embeddedServerSettings());
        connection = embedded.connection();
      } else {
        connection = new ConnectionInfo(settings.url(), settings.user(), settings.password());
      }
      awaitReachable(connection, settings.connectTimeout());
      migrate(connection);
      HikariDataSource pool =
          pool(
              connection,
              "vigil-query",
              settings.poolSize(),
              registry,
              settings.socketTimeoutSeconds(),
              settings.queryTimeout());
      return new Database(connection, embedded, pool, registry, settings);
    } catch (RuntimeException e) {
      if (embedded != null) {
        embedded.close();
      }
      throw e;
    }
  }

  public ConnectionInfo connection() {
    return connection;
  }

  public boolean isEmbedded() {
    return embedded != null;
  }

  /**
   * The shared pool for queries and small writes. A statement here that runs longer than {@code
   * vigil.database.query-timeout} is cancelled by PostgreSQL (SQLState 57014, which routes answer
   * with 503 {@code query_timeout}).
   */
  public DataSource dataSource() {
    return queryPool;
  }

  /**
   * A separate pool (for a writer), closed with this database. Its statements have the background
   * limit ({@link DatabaseSettings#backgroundStatementTimeout}), well above any flush, not the
   * query timeout: a flush waits for what it must store.
   */
  public synchronized DataSource newPool(String name, int size) {
    HikariDataSource pool =
        pool(
            connection,
            name,
            size,
            registry,
            settings.socketTimeoutSeconds(),
            settings.backgroundStatementTimeout());
    extraPools.add(pool);
    return pool;
  }

  /** True when a trivial query answers within the timeout. */
  public boolean isReachable(Duration timeout) {
    try (Connection c = queryPool.getConnection()) {
      return c.isValid((int) Math.max(1, timeout.toSeconds()));
    } catch (SQLException e) {
      return false;
    }
  }

  @Override
  public synchronized void close() {
    extraPools.forEach(HikariDataSource::close);
    queryPool.close();
    if (embedded != null) {
      embedded.close();
    }
  }

  private static void awaitReachable(ConnectionInfo connection, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Properties props = credentials(connection);
    props.setProperty("connectTimeout", String.valueOf(Math.max(1, timeout.toSeconds())));
    SQLException last;
    do {
      try (Connection c = DriverManager.getConnection(connection.url(), props)) {
        return;
      } catch (SQLException e) {
        last = e;
        if (isPermanent(e)) {
          break;
        }
      }
      try {
        Thread.sleep(250); // the server may still be starting: retry until the deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    } while (System.nanoTime() < deadline);
    throw new StartupException(
        "cannot reach PostgreSQL at " + connection.safeUrl() + ": " + oneLine(last.getMessage()),
        last);
  }

  /** Wrong credentials or a missing database will not fix themselves by waiting. */
  private static boolean isPermanent(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("28") || state.equals("3D000"));
  }

  private static void migrate(ConnectionInfo connection) {
    try {
      var result =
          Flyway.configure()
              .dataSource(connection.url(), connection.user(), connection.password())
              .locations("classpath:db/migration")
              .load()
              .migrate();
      log.info(
          "Schema at version {} ({} migrations applied now)",
          result.targetSchemaVersion == null ? "current" : result.targetSchemaVersion,
          result.migrationsExecuted);
    } catch (FlywayException e) {
      throw new StartupException("schema migration failed: " + oneLine(e.getMessage()), e);
    }
  }

  private static HikariDataSource pool(
      ConnectionInfo connection,
      String name,
      int size,
      MeterRegistry registry,
      int socketTimeoutSeconds,
      Duration statementTimeout) {
    HikariConfig config = new HikariConfig();
    config.setPoolName(name);
    config.setJdbcUrl(connection.url());
    config.setUsername(connection.user());
    config.setPassword(connection.password());
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(Math.min(2, size));
    config.setConnectionTimeout(5_000);
    // Multi-row inserts from the append writer: one statement per batch instead of one per row.
    config.addDataSourceProperty("reWriteBatchedInserts", "true");
    // The driver writes to the socket whenever its buffer is full, and sizes that buffer as this
    // or the socket's own buffer if smaller, never under 8 KiB (this is 8 KiB by default): a
    // 1,024-row engagement insert left in ~65 writes. With 64 KiB the sending thread spends ~16 %
    // less CPU a row and PostgreSQL no more (BENCHMARKS.md, "The JDBC driver's send buffer at 64
    // KiB"). The socket's own buffer (sendBufferSize) stays with the kernel's autotuning. A URL
    // parameter still wins. The journal plugin's pools (conf/pekko.conf) keep the driver's default.
    config.addDataSourceProperty("maxSendBufferSize", "65536");
    // Without it a query on a half-open connection (a server or network that vanished without a
    // reset) waits forever and holds its pool's connection and thread.
    config.addDataSourceProperty("socketTimeout", String.valueOf(socketTimeoutSeconds));
    if (!statementTimeout.isZero()) {
      config.setConnectionInitSql("SET statement_timeout = " + statementTimeout.toMillis());
    }
    if (registry != null) {
      config.setMetricRegistry(registry);
    }
    return new HikariDataSource(config);
  }

  private static Properties credentials(ConnectionInfo connection) {
    Properties props = new Properties();
    if (!connection.user().isEmpty()) {
      props.setProperty("user", connection.user());
    }
    if (!connection.password().isEmpty()) {
      props.setProperty("password", connection.password());
    }
    return props;
  }

  private static String oneLine(String message) {
    if (message == null) {
      return "no detail";
    }
    String first = message.strip().lines().findFirst().orElse(message);
    return first.length() > 300 ? first.substring(0, 300) + "…" : first;
  }
}
