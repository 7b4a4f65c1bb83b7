package dev.vigil.session;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * Ends sessions whose entity is no longer running to end them itself: after a crash, a restart or a
 * rebalance, an open session would otherwise stay open in the read table. One per cluster
 * (singleton); every {@code reaper-interval} it wakes the entities of sessions not seen for the
 * inactivity timeout, and each entity decides from its own state whether to end.
 */
public final class SessionReaper {
  private static final int BATCH = 1000;

  private sealed interface Message {}

  private enum Tick implements Message {
    INSTANCE
  }

  private record Found(List<String> sessionIds) implements Message {}

  private SessionReaper() {}

  public static void init(
      ActorSystem<?> system, SessionSettings settings, DataSource pool, Clock clock) {
    ClusterSingleton.get(system)
        .init(SingletonActor.of(create(settings, pool, clock), "session-reaper"));
  }

  static Behavior<Message> create(SessionSettings settings, DataSource pool, Clock clock) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.reaperInterval());
                  Executor blocking =
                      ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
                  ClusterSharding sharding = ClusterSharding.get(ctx.getSystem());
                  return Behaviors.receive(Message.class)
                      .onMessageEquals(
                          Tick.INSTANCE,
                          () -> {
                            ctx.pipeToSelf(
                                CompletableFuture.supplyAsync(
                                    () -> stale(pool, settings, clock), blocking),
                                (ids, failure) -> new Found(failure == null ? ids : List.of()));
                            return Behaviors.same();
                          })
                      .onMessage(
                          Found.class,
                          found -> {
                            for (String id : found.sessionIds()) {
                              sharding
                                  .entityRefFor(SessionEntity.ENTITY_KEY, id)
                                  .tell(new SessionEntity.EndIfIdle(ctx.getSystem().ignoreRef()));
                            }
                            return Behaviors.same();
                          })
                      .build();
                }));
  }

  private static List<String> stale(DataSource pool, SessionSettings settings, Clock clock) {
    try (Connection c = pool.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT session_id FROM sessions WHERE ended_at IS NULL AND updated_at < ?"
                    + " ORDER BY updated_at LIMIT "
                    + BATCH)) {
      ps.setTimestamp(1, Timestamp.from(clock.instant().minus(settings.inactivityTimeout())));
      List<String> ids = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
      return ids;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
