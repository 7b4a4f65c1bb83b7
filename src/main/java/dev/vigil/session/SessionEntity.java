package dev.vigil.session;

import dev.vigil.CborSerializable;
import dev.vigil.engagement.ClientInfo;
import dev.vigil.engagement.EventType;
import dev.vigil.session.Activity.PageSignal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One visit: its landing page, client, activity totals and lifecycle, fed by the beacon batches
 * accepted for its session id. The journal holds transitions (started, user identified, converted,
 * ended) and activity rollups at most every {@code rollup-interval}, not every beacon: between
 * rollups the newest activity lives only in memory ({@link #pending}). The session ends after
 * {@code inactivity-timeout} without a beacon (wall clock of receipt), then passivates.
 *
 * <p>Snapshots every {@code snapshot-every} events, keeping two, so recovery reads a bounded
 * journal however long the session lives.
 */
public final class SessionEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        SessionEntity.Command, SessionEntity.Event, SessionEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "Session");

  // ---- protocol ----

  /** Messages the entity accepts. */
  public sealed interface Command extends CborSerializable {}

  /** An accepted, stored batch of beacons for this session. */
  public record RecordBeacons(
      String siteId,
      String visitorId,
      String userId,
      ClientInfo client,
      List<PageSignal> beacons,
      ActorRef<Done> replyTo)
      implements Command {}

  /** Ends the session if nothing arrived for the inactivity timeout (sent by the reaper). */
  public record EndIfIdle(ActorRef<Done> replyTo) implements Command {}

  /** The live view, including activity not yet journaled. */
  public record GetSession(ActorRef<SessionView> replyTo) implements Command {}

  private enum Tick implements Command {
    INSTANCE
  }

  /** What the entity answers to {@link GetSession}. */
  public record SessionView(String sessionId, State state, Activity liveActivity)
      implements CborSerializable {}

  /** Journaled facts about the session. */
  public sealed interface Event extends CborSerializable {}

  public record SessionStarted(
      String sessionId,
      String siteId,
      String visitorId,
      String userId,
      Instant startedAt,
      Landing landing,
      ClientInfo client)
      implements Event {}

  /** The session's totals as of {@code lastSeenAt}; received is the wall-clock time of receipt. */
  public record ActivityRolledUp(Activity totals, Instant lastSeenAt, Instant receivedAt)
      implements Event {}

  public record UserIdentified(String userId) implements Event {}

  public record SessionConverted(String goal, Instant at) implements Event {}

  public record SessionEnded(Instant endedAt, String reason) implements Event {}

  /** Where the visit came in. */
  public record Landing(
      String url,
      String path,
      String referrerHost,
      String utmSource,
      String utmMedium,
      String utmCampaign)
      implements CborSerializable {}

  /** The journaled state. {@code siteId == null} until the session has started. */
  public record State(
      String siteId,
      String visitorId,
      String userId,
      Instant startedAt,
      Instant lastSeenAt,
      Instant lastReceivedAt,
      Instant endedAt,
      Landing landing,
      ClientInfo client,
      Activity totals)
      implements CborSerializable {

    static final State EMPTY =
        new State(null, null, null, null, null, null, null, null, null, Activity.NONE);

    public boolean started() {
      return siteId != null;
    }

    public boolean ended() {
      return endedAt != null;
    }

    State with(Activity newTotals, Instant seen, Instant received, Instant ended) {
      return new State(
          siteId, visitorId, userId, startedAt, seen, received, ended, landing, client, newTotals);
    }
  }

  // ---- boilerplate ----

  public static void init(
      org.apache.pekko.actor.typed.ActorSystem<?> system, SessionSettings settings, Clock clock) {
    var sharding = org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings.create(system);
    // Idle passivation must outlive the inactivity timeout, or the entity would be stopped before
    // it can notice that its session has ended.
    var passivation =
        sharding
            .passivationStrategySettings()
            .withIdleEntityPassivation(settings.inactivityTimeout().plus(Duration.ofMinutes(5)));
    ClusterSharding.get(system)
        .init(
            org.apache.pekko.cluster.sharding.typed.javadsl.Entity.of(
                    ENTITY_KEY, ctx -> create(ctx.getEntityId(), ctx.getShard(), settings, clock))
                .withSettings(sharding.withPassivationStrategy(passivation)));
  }

  /**
   * @param shard the entity's shard, to passivate through it (no message is lost in between); null
   *     outside sharding (tests), where the entity simply stops
   */
  public static Behavior<Command> create(
      String sessionId,
      ActorRef<ClusterSharding.ShardCommand> shard,
      SessionSettings settings,
      Clock clock) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.tickInterval());
                  return new SessionEntity(sessionId, shard, settings, clock, ctx);
                }));
  }

  /** The projection tag of a session: a stable spread over {@code tags} tags. */
  public static String tagFor(String sessionId, int tags) {
    return "session-" + Math.floorMod(sessionId.hashCode(), tags);
  }

  private final String sessionId;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final SessionSettings settings;
  private final Clock clock;
  private final ActorContext<Command> context;
  // Activity received since the last rollup: memory only, by design (see class comment).
  private Activity pending = Activity.NONE;
  private Instant pendingLastSeen;
  private Instant pendingLastReceived;
  private Instant lastRollupWall;

  private SessionEntity(
      String sessionId,
      ActorRef<ClusterSharding.ShardCommand> shard,
      SessionSettings settings,
      Clock clock,
      ActorContext<Command> context) {
    super(
        PersistenceId.of(ENTITY_KEY.name(), sessionId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.sessionId = sessionId;
    this.shard = shard;
    this.settings = settings;
    this.clock = clock;
    this.context = context;
    this.lastRollupWall = clock.instant();
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(tagFor(sessionId, settings.tags()));
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2);
  }

  // ---- commands ----

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(RecordBeacons.class, this::onRecordBeacons)
        .onCommand(EndIfIdle.class, this::onEndIfIdle)
        .onCommand(GetSession.class, this::onGetSession)
        .onCommand(Tick.class, this::onTick)
        .build();
  }

  private ReplyEffect<Event, State> onRecordBeacons(State state, RecordBeacons cmd) {
    if (cmd.beacons().isEmpty()) {
      return Effect().reply(cmd.replyTo(), Done.getInstance());
    }
    Instant now = clock.instant();
    for (PageSignal s : cmd.beacons()) {
      pending = pending.plus(s);
      pendingLastSeen = latest(pendingLastSeen, s.ts());
    }
    pendingLastReceived = now;
    List<Event> events = new ArrayList<>();
    if (!state.started()) {
      events.add(started(cmd));
    } else if (cmd.userId() != null && !cmd.userId().equals(state.userId())) {
      events.add(new UserIdentified(cmd.userId()));
    }
    cmd.beacons().stream()
        .filter(s -> s.type() == EventType.CONVERSION)
        .forEach(s -> events.add(new SessionConverted(s.goal(), s.ts())));
    boolean rollupDue = !lastRollupWall.plus(settings.rollupInterval()).isAfter(now);
    if (!events.isEmpty() || state.ended() || rollupDue) {
      events.add(rollup(state, now)); // transitions carry the totals they happened at
    }
    if (events.isEmpty()) {
      return Effect().reply(cmd.replyTo(), Done.getInstance());
    }
    return Effect().persist(events).thenReply(cmd.replyTo(), s -> Done.getInstance());
  }

  private ReplyEffect<Event, State> onTick(State state, Tick tick) {
    Instant now = clock.instant();
    if (state.ended()) {
      // Passivate on the tick after the end rather than as a side effect of ending, so the reply
      // to whoever ended it goes out first.
      passivate();
      return Effect().noReply();
    }
    if (!state.started()) {
      return Effect().noReply();
    }
    // Idle is judged by when beacons were received (wall clock), not by their own timestamps,
    // which replays may set in the past.
    Instant lastReceived = latest(state.lastReceivedAt(), state.startedAt());
    boolean idle = !lastReceived.plus(settings.inactivityTimeout()).isAfter(now);
    if (idle && pending.equals(Activity.NONE)) {
      return endEffect(state, "inactivity");
    }
    if (!pending.equals(Activity.NONE)
        && !lastRollupWall.plus(settings.rollupInterval()).isAfter(now)) {
      return Effect().persist(rollup(state, now)).thenNoReply();
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onEndIfIdle(State state, EndIfIdle cmd) {
    if (!state.started() || state.ended() || !pending.equals(Activity.NONE)) {
      return Effect().reply(cmd.replyTo(), Done.getInstance());
    }
    Instant lastReceived = latest(state.lastReceivedAt(), state.startedAt());
    boolean idle = !lastReceived.plus(settings.inactivityTimeout()).isAfter(clock.instant());
    return idle
        ? Effect()
            .persist(new SessionEnded(state.lastSeenAt(), "inactivity"))
            .thenReply(cmd.replyTo(), s -> Done.getInstance())
        : Effect().reply(cmd.replyTo(), Done.getInstance());
  }

  private ReplyEffect<Event, State> onGetSession(State state, GetSession cmd) {
    return Effect().reply(cmd.replyTo(), new SessionView(sessionId, state, pending));
  }

  private ReplyEffect<Event, State> endEffect(State state, String reason) {
    return Effect().persist(new SessionEnded(state.lastSeenAt(), reason)).thenNoReply();
  }

  private SessionStarted started(RecordBeacons cmd) {
    PageSignal first =
        cmd.beacons().stream()
            .filter(s -> s.type() == EventType.PAGE_VIEW)
            .findFirst()
            .orElse(cmd.beacons().get(0));
    Instant startedAt =
        cmd.beacons().stream().map(PageSignal::ts).min(Instant::compareTo).orElse(first.ts());
    return new SessionStarted(
        sessionId,
        cmd.siteId(),
        cmd.visitorId(),
        cmd.userId(),
        startedAt,
        new Landing(
            first.url(),
            first.path(),
            first.referrerHost(),
            first.utmSource(),
            first.utmMedium(),
            first.utmCampaign()),
        cmd.client());
  }

  /** Folds the pending activity into a rollup event and starts a new pending period. */
  private ActivityRolledUp rollup(State state, Instant now) {
    Activity totals = add(state.totals(), pending);
    Instant seen = latest(state.lastSeenAt(), pendingLastSeen);
    Instant received = latest(state.lastReceivedAt(), pendingLastReceived);
    pending = Activity.NONE;
    pendingLastSeen = null;
    pendingLastReceived = null;
    lastRollupWall = now;
    return new ActivityRolledUp(totals, seen, received == null ? now : received);
  }

  private void passivate() {
    context.getLog().debug("Session {} ended; passivating", sessionId);
    if (shard != null) {
      shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
    } else {
      context.stop(context.getSelf());
    }
  }

  private static Activity add(Activity a, Activity b) {
    return new Activity(
        a.pageViews() + b.pageViews(),
        a.beacons() + b.beacons(),
        a.clicks() + b.clicks(),
        a.rageClicks() + b.rageClicks(),
        a.deadClicks() + b.deadClicks(),
        a.timeOnPageMs() + b.timeOnPageMs(),
        Math.max(a.maxScrollDepth(), b.maxScrollDepth()),
        a.conversions() + b.conversions(),
        a.requests() + b.requests());
  }

  private static Instant latest(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || a.isAfter(b) ? a : b;
  }

  // ---- events ----

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            SessionStarted.class,
            (state, e) ->
                new State(
                    e.siteId(),
                    e.visitorId(),
                    e.userId(),
                    e.startedAt(),
                    e.startedAt(),
                    null,
                    null,
                    e.landing(),
                    e.client(),
                    Activity.NONE))
        .onEvent(
            ActivityRolledUp.class,
            // activity after an end resumes the session
            (state, e) -> state.with(e.totals(), e.lastSeenAt(), e.receivedAt(), null))
        .onEvent(
            UserIdentified.class,
            (state, e) ->
                new State(
                    state.siteId(),
                    state.visitorId(),
                    e.userId(),
                    state.startedAt(),
                    state.lastSeenAt(),
                    state.lastReceivedAt(),
                    state.endedAt(),
                    state.landing(),
                    state.client(),
                    state.totals()))
        .onEvent(SessionConverted.class, (state, e) -> state)
        .onEvent(
            SessionEnded.class,
            (state, e) ->
                state.with(state.totals(), state.lastSeenAt(), state.lastReceivedAt(), e.endedAt()))
        .build();
  }
}
