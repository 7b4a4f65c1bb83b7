package dev.vigil.cluster;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;

import dev.vigil.http.Auth;
import dev.vigil.http.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/cluster} (admin): the members as this node sees them and, per entity type, how
 * many shards and entities each node holds — to see that sharding spreads the work.
 */
public final class ClusterRoutes {
  private static final Duration STATS_TIMEOUT = Duration.ofSeconds(5);

  /** One member. */
  public record MemberView(String address, String status, List<String> roles) {}

  /** Shards and live entities of one entity type on one node. */
  public record Placement(int shards, int entities) {}

  /** The answer. */
  public record View(
      String self, List<MemberView> members, Map<String, Map<String, Placement>> entities) {}

  private final ActorSystem<?> system;
  private final Auth auth;
  private final List<EntityTypeKey<?>> types;

  public ClusterRoutes(ActorSystem<?> system, Auth auth, List<EntityTypeKey<?>> types) {
    this.system = system;
    this.auth = auth;
    this.types = List.copyOf(types);
  }

  public Route route() {
    return pathPrefix(
        "v1",
        () ->
            path(
                "cluster",
                () ->
                    get(
                        () ->
                            auth.operator(
                                p ->
                                    onSuccess(
                                        view(),
                                        v -> complete(StatusCodes.OK, v, Json.marshaller()))))));
  }

  CompletionStage<View> view() {
    Cluster cluster = Cluster.get(system);
    List<MemberView> members = new ArrayList<>();
    for (Member m :
        StreamSupport.stream(cluster.state().getMembers().spliterator(), false).toList()) {
      members.add(
          new MemberView(
              hostPort(m.address()),
              m.status().toString(),
              m.getRoles().stream().filter(r -> !r.startsWith("dc-")).sorted().toList()));
    }
    Map<String, Map<String, Placement>> entities = new TreeMap<>();
    CompletableFuture<?>[] asks = new CompletableFuture<?>[types.size()];
    for (int i = 0; i < types.size(); i++) {
      EntityTypeKey<?> key = types.get(i);
      CompletionStage<ShardRegion.ClusterShardingStats> stats =
          AskPattern.ask(
              ClusterSharding.get(system).shardState(),
              replyTo -> new GetClusterShardingStats(key, STATS_TIMEOUT, replyTo),
              STATS_TIMEOUT.plusSeconds(1),
              system.scheduler());
      asks[i] =
          stats
              .thenAccept(
                  s -> {
                    Map<String, Placement> byNode = new TreeMap<>();
                    s.getRegions()
                        .forEach(
                            (address, region) ->
                                byNode.put(
                                    hostPort(address),
                                    new Placement(
                                        region.getStats().size(),
                                        region.getStats().values().stream()
                                            .mapToInt(n -> (Integer) n)
                                            .sum())));
                    synchronized (entities) {
                      entities.put(key.name(), byNode);
                    }
                  })
              .toCompletableFuture();
    }
    return CompletableFuture.allOf(asks)
        .thenApply(done -> new View(hostPort(cluster.selfMember().address()), members, entities));
  }

  private static String hostPort(org.apache.pekko.actor.Address a) {
    return a.getHost().orElse("?") + ":" + a.getPort().map(String::valueOf).orElse("?");
  }
}
