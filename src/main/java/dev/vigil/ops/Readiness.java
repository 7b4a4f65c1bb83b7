package dev.vigil.ops;

import dev.vigil.db.Database;
import dev.vigil.engagement.UserAgents;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Whether this node should receive traffic: the database answers, the schema is migrated, this node
 * is Up in the cluster, and the user-agent parser (seconds to build) is loaded. The database probe
 * runs on the blocking dispatcher.
 */
public final class Readiness {

  /** The outcome, with each check by name for the answer body. */
  public record Report(boolean ready, Map<String, Object> checks, String reason) {}

  private final ActorSystem<?> system;
  private final Database database;
  private final Executor blocking;
  private volatile boolean migrated;

  public Readiness(ActorSystem<?> system, Database database) {
    this.system = system;
    this.database = database;
    this.blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
  }

  /** Called once the schema has been applied (before HTTP binds, in practice). */
  public void markMigrated() {
    migrated = true;
  }

  public CompletionStage<Report> check() {
    return CompletableFuture.supplyAsync(
        () -> {
          boolean db = database.isReachable(Duration.ofSeconds(2));
          MemberStatus status = Cluster.get(system).selfMember().status();
          boolean up = status == MemberStatus.up();
          boolean parser = UserAgents.ready();
          Map<String, Object> checks = new LinkedHashMap<>();
          checks.put("database", db ? "reachable" : "unreachable");
          checks.put("migrations", migrated ? "applied" : "pending");
          checks.put("cluster", status.toString());
          checks.put("userAgentParser", parser ? "loaded" : "loading");
          String reason =
              !db
                  ? "database unreachable"
                  : !migrated
                      ? "schema migrations not applied"
                      : !up
                          ? "this node is " + status + " in the cluster, not Up"
                          : !parser ? "the user-agent parser is still loading" : "";
          return new Report(db && migrated && up && parser, checks, reason);
        },
        blocking);
  }
}
