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
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * Ends sessions whose entity is no longer running to end them itself: after a crash, a restart, a
 * rebalance, or a passivation beyond {@code max-live} (a cookieless flood leaves a session per
 * request), an open session would otherwise stay open in the read table. One per cluster
 * (singleton); every {@code reaper-interval} it wakes the entities of up to {@code reaper-batch}
 * sessions not seen for the inactivity timeout, and each entity decides from its own state whether
 * to end. A full batch means more are waiting: the next follows after {@code reaper-catch-up-pause}
 * rather than the interval, so the reaper keeps up with a flood at a bounded pace (a batch of
 * entity recoveries per pause).
 */
public final class SessionReaper {

  private sealed interface Message {}

  private enum Tick implements Message {
    INSTANCE
  }

  private record Found(List<String> sessionIds) implements Message {}

  /** The timer key of the early tick after a full batch. */
  private static final Object CATCH_UP = "catch-up";

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
                  // a catch-up tick and the periodic one must not run the same query twice at once
                  // (each would wake the same entities)
                  AtomicBoolean querying = new AtomicBoolean();
                  return Behaviors.receive(Message.class)
                      .onMessageEquals(
                          Tick.INSTANCE,
                          () -> {
                            if (!querying.compareAndSet(false, true)) {
                              return Behaviors.same();
                            }
                            ctx.pipeToSelf(
                                CompletableFuture.supplyAsync(
                                    () -> stale(pool, settings, clock), blocking),
                                (ids, failure) -> {
                                  if (failure != null) {
                                    ctx.getLog()
                                        .warn(
                                            "Could not look for sessions to end; trying again at"
                                                + " the next interval",
                                            failure);
                                  }
                                  return new Found(failure == null ? ids : List.of());
                                });
                            return Behaviors.same();
                          })
                      .onMessage(
                          Found.class,
                          found -> {
                            querying.set(false);
                            for (String id : found.sessionIds()) {
                              sharding
                                  .entityRefFor(SessionEntity.ENTITY_KEY, id)
                                  .tell(new SessionEntity.EndIfIdle(ctx.getSystem().ignoreRef()));
                            }
                            if (found.sessionIds().size() >= settings.reaperBatch()) {
                              // a tick of its own key: the periodic one runs on regardless
                              timers.startSingleTimer(
                                  CATCH_UP, Tick.INSTANCE, settings.reaperCatchUpPause());
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
                    + settings.reaperBatch())) {
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
