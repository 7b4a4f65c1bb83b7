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

  /** The answer of query {@code id}. */
  private record Found(long id, List<String> sessionIds) implements Message {}

  /**
   * Ticks a query may run past before the next one starts anyway: one query that never returns, as
   * on a half-open connection, must not end the reaping for good.
   */
  static final int MAX_TICKS_WAITED = 5;

  /** The timer key of the early tick after a full batch. */
  private static final Object CATCH_UP = "catch-up";

  /** The reaper's queries: the last one's id, the one under way (0: none) and its ticks. */
  private static final class Queries {
    long last;
    long running;
    int ticksWaited;
  }

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
                  Queries queries = new Queries();
                  return Behaviors.receive(Message.class)
                      .onMessageEquals(
                          Tick.INSTANCE,
                          () -> {
                            if (queries.running != 0 && ++queries.ticksWaited < MAX_TICKS_WAITED) {
                              return Behaviors.same();
                            }
                            if (queries.running != 0) {
                              ctx.getLog()
                                  .warn(
                                      "The query for sessions to end ran past {} ticks; starting"
                                          + " another",
                                      MAX_TICKS_WAITED);
                            }
                            long id = ++queries.last;
                            queries.running = id;
                            queries.ticksWaited = 0;
                            ctx.pipeToSelf(
                                CompletableFuture.supplyAsync(
                                    () -> stale(pool, settings, clock), blocking),
                                (found, failure) -> {
                                  if (failure != null) {
                                    ctx.getLog()
                                        .warn(
                                            "Could not look for sessions to end; trying again at"
                                                + " the next interval",
                                            failure);
                                  }
                                  return new Found(id, failure == null ? found : List.of());
                                });
                            return Behaviors.same();
                          })
                      .onMessage(
                          Found.class,
                          found -> {
                            if (found.id() == queries.running) {
                              queries.running = 0;
                            }
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
