package dev.vigil.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import dev.vigil.VigilServer;
import dev.vigil.db.ConnectionInfo;
import dev.vigil.tenancy.TenancyRepository;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.CoordinatedShutdown;

/**
 * An in-process Vigil node for an integration test: started on its database with the shipped
 * configuration and the test's overrides ({@link TestServers#config}), ready (its {@code /ready}
 * answered 200) when {@link #start} returns, and shut down by {@link #close}. The first start on a
 * database bootstraps a site and an admin token; their secrets are here.
 */
public final class TestNode implements AutoCloseable {
  /** How long a node may take to become ready (a cold JVM builds its user-agent parser). */
  private static final Duration READY = Duration.ofSeconds(60);

  /** How long its shutdown may take (projections and writers finish first). */
  private static final Duration SHUTDOWN = Duration.ofSeconds(30);

  private final ConnectionInfo db;
  private final Config config;
  private final VigilServer server;
  private final HttpTestClient http;

  private TestNode(ConnectionInfo db, Config config, VigilServer server) {
    this.db = db;
    this.config = config;
    this.server = server;
    this.http = new HttpTestClient(server.httpPort());
  }

  /** A node on a fresh database, with the shipped configuration. */
  public static TestNode start() {
    return start(Map.of());
  }

  /** A node on a fresh database. */
  public static TestNode start(Map<String, Object> overrides) {
    return start(TestDatabase.fresh(), overrides);
  }

  public static TestNode start(ConnectionInfo db, Map<String, Object> overrides) {
    Config config = TestServers.config(db, overrides);
    TestNode node = new TestNode(db, config, VigilServer.start(config));
    try {
      Await.until(READY, () -> assertThat(node.http.get("/ready").status()).isEqualTo(200));
    } catch (RuntimeException | AssertionError e) {
      try {
        node.close();
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
    return node;
  }

  public ConnectionInfo db() {
    return db;
  }

  /** The node's whole configuration: the shipped one with the test's overrides. */
  public Config config() {
    return config;
  }

  public VigilServer server() {
    return server;
  }

  public HttpTestClient http() {
    return http;
  }

  public int port() {
    return server.httpPort();
  }

  /** The bootstrapped site's server key (decisions, observations, ledger writes). */
  public String serverKey() {
    return bootstrap().site().serverKey();
  }

  /** The bootstrapped site's public key (beacons). */
  public String publicKey() {
    return bootstrap().site().site().publicKey();
  }

  public String siteId() {
    return bootstrap().site().site().id();
  }

  /** The bootstrapped admin token's secret. */
  public String adminToken() {
    return bootstrap().adminToken().secret();
  }

  private TenancyRepository.Bootstrap bootstrap() {
    return server.bootstrap().orElseThrow(() -> new IllegalStateException("not bootstrapped"));
  }

  @Override
  public void close() {
    try {
      server
          .shutdown(CoordinatedShutdown.unknownReason())
          .toCompletableFuture()
          .get(SHUTDOWN.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the node shut down", e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the node did not shut down within " + SHUTDOWN, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("the node's shutdown failed", e.getCause());
    }
  }
}
