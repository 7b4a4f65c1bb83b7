package dev.vigil.stream;

import dev.vigil.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The live stream of one site, one per site in the cluster (sharded, in memory): it numbers the
 * site's events, keeps the last {@code ring-size} of them for reconnecting clients, publishes each
 * on the site's pub-sub topic, and every {@code stats-interval} publishes a {@code stats} event
 * from the counts the nodes sent it and the number of active sessions.
 *
 * <p>Numbers are consistent across the cluster because only this actor assigns them; a client may
 * reconnect to any node and resume. If the entity moves (a node left), the new incarnation has a
 * new generation and its listeners are told to {@code reset}. It is never passivated: a site's
 * stream costs a ring of events and a timer.
 *
 * <p>The active sessions are counted (a query) only while someone listens: a tick asks the site's
 * topic whether it has subscribers anywhere in the cluster, and the next tick counts only if it
 * had. A site nobody watches costs no query; a dashboard that opens gets its first {@code stats}
 * about two intervals later.
 */
public final class SiteStream {
  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "SiteStream");

  public sealed interface Command extends CborSerializable {}

  /** A new event; {@code transientEvent} events are published but not kept for replay. */
  public record Publish(String type, Instant at, String data, boolean transientEvent)
      implements Command {}

  /** Several new events, published in this order (one message for a write of many rows). */
  public record PublishAll(List<Publish> events) implements Command {}

  /** What one node counted for the site since it last reported. */
  public record AddCounts(long events, long decisions, long botDecisions) implements Command {}

  /** The events after a position, or just the current position when {@code generation} is null. */
  public record Replay(Long generation, long afterSeq, ActorRef<Replayed> replyTo)
      implements Command {}

  /**
   * {@code reset}: the position asked for is not in the ring (evicted, from an older generation, or
   * in the future); listening resumes from ({@code generation}, {@code seq}).
   */
  public record Replayed(
      String siteId, long generation, long seq, boolean reset, List<SiteEvent> events)
      implements CborSerializable {}

  private enum StatsTick implements Command {
    INSTANCE
  }

  /** The site's topic's answer: whether it had subscribers on any node. */
  private record Listened(boolean listened) implements Command {}

  /** The answer of count {@code id}: the active sessions, null when the count failed. */
  private record ActiveCounted(long id, Long active, Instant at) implements Command {}

  /** A count of active sessions under way, with the counts of the window it closes. */
  private record Count(long id, long events, long decisions, long bots, int ticksWaited) {}

  /**
   * Ticks a count may run past before it is given up (its answer, if it ever comes, ignored): one
   * query that never returns, as on a half-open connection, must not end the site's stats.
   */
  static final int MAX_TICKS_WAITED = 5;

  /** The {@code stats} event's payload; rates per second over the interval. */
  public record Stats(
      String siteId,
      Instant at,
      double intervalSeconds,
      Long activeSessions,
      double eventsPerSecond,
      double decisionsPerSecond,
      Double botShare) {}

  public static void init(
      ActorSystem<?> system,
      StreamSettings settings,
      LiveEvents live,
      Function<String, CompletionStage<Long>> activeSessions,
      Clock clock) {
    ClusterSharding.get(system)
        .init(
            Entity.of(
                    ENTITY_KEY,
                    ctx -> create(ctx.getEntityId(), settings, live, activeSessions, clock))
                .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
  }

  static Behavior<Command> create(
      String siteId,
      StreamSettings settings,
      LiveEvents live,
      Function<String, CompletionStage<Long>> activeSessions,
      Clock clock) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new SiteStream(siteId, settings, live, activeSessions, clock, ctx, timers)
                        .behavior()));
  }

  private final String siteId;
  private final StreamSettings settings;
  private final ActorRef<Topic.Command<SiteEvent>> topic;
  private final Function<String, CompletionStage<Long>> activeSessions;
  private final Clock clock;
  private final ActorContext<Command> ctx;
  private final long generation;
  private final ArrayDeque<SiteEvent> ring = new ArrayDeque<>();
  private long seq;
  private long events;
  private long decisions;
  private long bots;
  private Count count; // null when no count is under way
  private long countIds;
  private Instant windowStart;
  // Whether the site's topic had subscribers at the last tick's asking: the first tick counts.
  private boolean listened = true;
  private final ActorRef<Topic.TopicStats> topicStats;

  private SiteStream(
      String siteId,
      StreamSettings settings,
      LiveEvents live,
      Function<String, CompletionStage<Long>> activeSessions,
      Clock clock,
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers) {
    this.siteId = siteId;
    this.settings = settings;
    this.topic = live.topic(siteId);
    this.activeSessions = activeSessions;
    this.clock = clock;
    this.ctx = ctx;
    this.generation = clock.millis();
    this.windowStart = clock.instant();
    this.topicStats =
        ctx.messageAdapter(
            Topic.TopicStats.class,
            t -> new Listened(t.localSubscriberCount() > 0 || t.topicInstanceCount() > 0));
    timers.startTimerWithFixedDelay(StatsTick.INSTANCE, settings.statsInterval());
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Publish.class, this::onPublish)
        .onMessage(PublishAll.class, this::onPublishAll)
        .onMessage(AddCounts.class, this::onCounts)
        .onMessage(Replay.class, this::onReplay)
        .onMessageEquals(StatsTick.INSTANCE, this::onStatsTick)
        .onMessage(ActiveCounted.class, this::onActiveCounted)
        .onMessage(Listened.class, l -> onListened(l.listened()))
        .build();
  }

  private Behavior<Command> onPublish(Publish p) {
    SiteEvent e;
    if (p.transientEvent()) {
      e = new SiteEvent(siteId, generation, seq, true, p.type(), p.at(), p.data());
    } else {
      e = new SiteEvent(siteId, generation, ++seq, false, p.type(), p.at(), p.data());
      ring.addLast(e);
      if (ring.size() > settings.ringSize()) {
        ring.removeFirst();
      }
    }
    topic.tell(Topic.publish(e));
    return Behaviors.same();
  }

  private Behavior<Command> onPublishAll(PublishAll all) {
    for (Publish p : all.events()) {
      onPublish(p);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onCounts(AddCounts c) {
    events += c.events();
    decisions += c.decisions();
    bots += c.botDecisions();
    return Behaviors.same();
  }

  private Behavior<Command> onReplay(Replay r) {
    r.replyTo().tell(replay(r.generation(), r.afterSeq()));
    return Behaviors.same();
  }

  Replayed replay(Long gen, long after) {
    if (gen == null) {
      return new Replayed(siteId, generation, seq, false, List.of());
    }
    long oldestKept = ring.isEmpty() ? seq + 1 : ring.getFirst().seq();
    if (gen != generation || after > seq || after < oldestKept - 1) {
      return new Replayed(siteId, generation, seq, true, List.of());
    }
    List<SiteEvent> missed = ring.stream().filter(e -> e.seq() > after).toList();
    return new Replayed(siteId, generation, seq, false, missed);
  }

  private Behavior<Command> onListened(boolean listened) {
    this.listened = listened;
    return Behaviors.same();
  }

  private Behavior<Command> onStatsTick() {
    topic.tell(Topic.getTopicStats(topicStats)); // for the next tick
    if (!listened) {
      // nobody to tell: no count (one under way is dropped; its answer, if it comes, is ignored),
      // and the next window starts now
      count = null;
      events = 0;
      decisions = 0;
      bots = 0;
      windowStart = clock.instant();
      return Behaviors.same();
    }
    if (count != null) {
      if (count.ticksWaited() + 1 < MAX_TICKS_WAITED) {
        // the last count is still running: skip a tick rather than pile up
        count =
            new Count(
                count.id(),
                count.events(),
                count.decisions(),
                count.bots(),
                count.ticksWaited() + 1);
        return Behaviors.same();
      }
      ctx.getLog()
          .warn(
              "Site {}: counting active sessions took {} stats intervals; giving it up",
              siteId,
              MAX_TICKS_WAITED);
      events += count.events(); // its window's counts go to the next one
      decisions += count.decisions();
      bots += count.bots();
      count = null;
    }
    long id = ++countIds;
    count = new Count(id, events, decisions, bots, 0);
    events = 0;
    decisions = 0;
    bots = 0;
    Instant at = clock.instant();
    ctx.pipeToSelf(
        activeSessions.apply(siteId),
        (n, failure) -> new ActiveCounted(id, failure == null ? n : null, at));
    return Behaviors.same();
  }

  private Behavior<Command> onActiveCounted(ActiveCounted c) {
    if (count == null || count.id() != c.id()) {
      return Behaviors.same(); // a count given up
    }
    Count done = count;
    count = null;
    double seconds = Math.max(0.001, Duration.between(windowStart, c.at()).toMillis() / 1000.0);
    windowStart = c.at();
    Stats stats =
        new Stats(
            siteId,
            c.at(),
            seconds,
            c.active(),
            round(done.events() / seconds),
            round(done.decisions() / seconds),
            done.decisions() == 0 ? null : round((double) done.bots() / done.decisions()));
    onPublish(new Publish("stats", c.at(), LiveEvents.json(stats), true));
    return Behaviors.same();
  }

  private static double round(double v) {
    return Math.round(v * 1000.0) / 1000.0;
  }
}
