package dev.vigil.fingerprint;

import dev.vigil.CborSerializable;
import dev.vigil.detection.DetectionSettings;
import dev.vigil.detection.FingerprintSignals;
import dev.vigil.detection.ImmediateClass;
import dev.vigil.detection.ThrottleLevel;
import dev.vigil.detection.ThrottlePolicy;
import dev.vigil.detection.ThrottleState;
import dev.vigil.detection.Verdict;
import dev.vigil.session.SessionEntity;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One device fingerprint: the signals its sessions share, its throttle level and token bucket, its
 * reputation. Every decision of every session of the device passes through here (forwarded by the
 * session entity) and is answered from memory; only transitions (throttle changes, a changed
 * classification, admin pins) and periodic rollups of the signals are journaled. Snapshots every
 * {@code SNAPSHOT_EVERY} events, keeping two: a long-lived abusive device's journal stays short.
 */
public final class FingerprintEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        FingerprintEntity.Command, FingerprintEntity.Event, FingerprintEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "Fingerprint");
  static final int SNAPSHOT_EVERY = 50;
  static final int TAGS = 4;
  private static final Duration ROLLUP_INTERVAL = Duration.ofSeconds(10);

  /** Messages the entity accepts. */
  public sealed interface Command extends CborSerializable {}

  /** A request of one of the device's sessions: answered with a Decision when it is a decision. */
  public record Assess(String siteId, Assessor.Input input, ActorRef<Decision> replyTo)
      implements Command {}

  /** The tracker reported from one of the device's sessions. */
  public record RecordBeacon(String sessionId) implements Command {}

  /** An admin pins the level (null clears the pin). */
  public record SetPin(ThrottleLevel level, String by, ActorRef<State> replyTo)
      implements Command {}

  public record Get(ActorRef<State> replyTo) implements Command {}

  private enum Tick implements Command {
    INSTANCE
  }

  /** Journaled facts. */
  public sealed interface Event extends CborSerializable {}

  public record FirstSeen(String siteId, Instant at) implements Event {}

  public record ThrottleChanged(ThrottleLevel from, ThrottleLevel to, String reason, Instant at)
      implements Event {}

  public record Classified(
      ImmediateClass immediate, boolean bot, int score, List<String> reasons, Instant at)
      implements Event {}

  public record SignalsRolledUp(
      FingerprintSignals signals, ThrottleState throttle, Instant lastSeenAt, long requests)
      implements Event {}

  public record PinChanged(ThrottleLevel pinned, String by, Instant at) implements Event {}

  /** The journaled state ({@code siteId == null} until first seen). */
  public record State(
      String siteId,
      Instant firstSeenAt,
      Instant lastSeenAt,
      FingerprintSignals signals,
      ThrottleState throttle,
      ImmediateClass immediate,
      boolean bot,
      int score,
      List<String> reasons,
      long requests,
      int escalations,
      int reputation)
      implements CborSerializable {

    static final State EMPTY =
        new State(
            null,
            null,
            null,
            FingerprintSignals.EMPTY,
            ThrottleState.NORMAL,
            null,
            false,
            0,
            List.of(),
            0,
            0,
            50);

    State with(FingerprintSignals s, ThrottleState t, Instant seen, long req) {
      return new State(
          siteId,
          firstSeenAt,
          seen,
          s,
          t,
          immediate,
          bot,
          score,
          reasons,
          req,
          escalations,
          reputation);
    }
  }

  public static void init(ActorSystem<?> system, DetectionSettings settings, Clock clock) {
    ClusterSharding sharding = ClusterSharding.get(system);
    Function<String, RecipientRef<SessionEntity.Command>> sessions =
        sessionId -> sharding.entityRefFor(SessionEntity.ENTITY_KEY, sessionId);
    sharding.init(
        Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), settings, clock, sessions)));
  }

  /**
   * @param sessions how to reach a session entity (sharding in a node; a probe in tests)
   */
  public static Behavior<Command> create(
      String id,
      DetectionSettings settings,
      Clock clock,
      Function<String, RecipientRef<SessionEntity.Command>> sessions) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(Tick.INSTANCE, ROLLUP_INTERVAL);
                  return new FingerprintEntity(id, settings, clock, sessions);
                }));
  }

  public static String tagFor(String id) {
    return "fingerprint-" + Math.floorMod(id.hashCode(), TAGS);
  }

  private final String id;
  private final Assessor assessor;
  private final ThrottlePolicy policy;
  private final Clock clock;
  private final Function<String, RecipientRef<SessionEntity.Command>> sessions;
  // Signals and bucket between rollups: memory only, like a session's activity.
  private FingerprintSignals liveSignals;
  private ThrottleState liveThrottle;
  private Instant liveSeen;
  private long liveRequests;
  private boolean dirty;
  private Instant lastRollup;

  private FingerprintEntity(
      String id,
      DetectionSettings settings,
      Clock clock,
      Function<String, RecipientRef<SessionEntity.Command>> sessions) {
    super(
        PersistenceId.of(ENTITY_KEY.name(), id),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.id = id;
    this.assessor = new Assessor(settings);
    this.policy = new ThrottlePolicy(settings.throttle());
    this.clock = clock;
    this.sessions = sessions;
    this.lastRollup = clock.instant();
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(tagFor(id));
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 2);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Assess.class, this::onAssess)
        .onCommand(RecordBeacon.class, this::onBeacon)
        .onCommand(SetPin.class, this::onSetPin)
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), live(state)))
        .onCommand(Tick.class, this::onTick)
        .build();
  }

  private ReplyEffect<Event, State> onAssess(State state, Assess cmd) {
    Assessor.Input in = cmd.input();
    Assessor.Outcome out = assessor.assess(id, signals(state), throttle(state), in);
    liveSignals = out.signals();
    liveThrottle = out.throttle();
    liveSeen = in.at();
    liveRequests = requests(state) + 1;
    dirty = true;
    List<Event> events = new ArrayList<>();
    if (state.siteId() == null) {
      events.add(new FirstSeen(cmd.siteId(), in.at()));
    }
    for (ThrottlePolicy.Transition t : out.transitions()) {
      events.add(new ThrottleChanged(t.from(), t.to(), t.reason(), in.at()));
    }
    Verdict v = out.verdict();
    boolean classChanged =
        (in.immediate() != null && !in.immediate().equals(state.immediate()))
            || v.bot() != state.bot();
    if (classChanged) {
      events.add(
          new Classified(
              in.immediate() != null ? in.immediate() : state.immediate(),
              v.bot(),
              v.score(),
              v.reasons(),
              in.at()));
    }
    if (!out.sessionClass().equals(in.sessionClass())) {
      sessions
          .apply(in.sessionId())
          .tell(new SessionEntity.Classify(out.sessionClass(), v.score(), v.reasons(), in.at()));
    }
    if (!events.isEmpty()) {
      events.add(rollup()); // transitions carry the signals they happened at
    }
    Decision decision = out.decision();
    if (events.isEmpty()) {
      return decision == null ? Effect().noReply() : Effect().reply(cmd.replyTo(), decision);
    }
    return decision == null
        ? Effect().persist(events).thenNoReply()
        : Effect().persist(events).thenReply(cmd.replyTo(), s -> decision);
  }

  private ReplyEffect<Event, State> onBeacon(State state, RecordBeacon cmd) {
    FingerprintSignals s = signals(state);
    FingerprintSignals after = s.onBeacon(cmd.sessionId());
    if (after != s) {
      liveSignals = after;
      dirty = true;
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onSetPin(State state, SetPin cmd) {
    Instant now = clock.instant();
    return Effect()
        .persist(List.of(new PinChanged(cmd.level(), cmd.by(), now), rollupWithPin(cmd.level())))
        .thenReply(cmd.replyTo(), this::live);
  }

  private ReplyEffect<Event, State> onTick(State state, Tick tick) {
    if (state.siteId() == null) {
      return Effect().noReply();
    }
    Instant now = clock.instant();
    List<Event> events = new ArrayList<>();
    var cooled = policy.cooldown(throttle(state), now);
    if (cooled.isPresent()) {
      liveThrottle = cooled.get().state();
      dirty = true;
      events.add(new ThrottleChanged(cooled.get().from(), cooled.get().to(), "cooldown", now));
    }
    if (dirty && (!events.isEmpty() || !lastRollup.plus(ROLLUP_INTERVAL).isAfter(now))) {
      events.add(rollup());
    }
    return events.isEmpty() ? Effect().noReply() : Effect().persist(events).thenNoReply();
  }

  private SignalsRolledUp rollup() {
    dirty = false;
    lastRollup = clock.instant();
    return new SignalsRolledUp(liveSignals, liveThrottle, liveSeen, liveRequests);
  }

  private SignalsRolledUp rollupWithPin(ThrottleLevel pin) {
    ThrottleState t = (liveThrottle == null ? ThrottleState.NORMAL : liveThrottle).withPin(pin);
    liveThrottle = t;
    return new SignalsRolledUp(
        liveSignals == null ? FingerprintSignals.EMPTY : liveSignals, t, liveSeen, liveRequests);
  }

  private FingerprintSignals signals(State s) {
    return liveSignals != null ? liveSignals : s.signals();
  }

  private ThrottleState throttle(State s) {
    return liveThrottle != null ? liveThrottle : s.throttle();
  }

  private long requests(State s) {
    return liveSignals != null ? liveRequests : s.requests();
  }

  private State live(State s) {
    return s.with(
        signals(s), throttle(s), liveSeen != null ? liveSeen : s.lastSeenAt(), requests(s));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            FirstSeen.class,
            (s, e) ->
                new State(
                    e.siteId(),
                    e.at(),
                    e.at(),
                    s.signals(),
                    s.throttle(),
                    s.immediate(),
                    s.bot(),
                    s.score(),
                    s.reasons(),
                    s.requests(),
                    s.escalations(),
                    s.reputation()))
        .onEvent(
            ThrottleChanged.class,
            (s, e) -> {
              boolean up = e.to().ordinal() > e.from().ordinal();
              int reputation = Math.max(0, Math.min(100, s.reputation() + (up ? -10 : 5)));
              return new State(
                  s.siteId(),
                  s.firstSeenAt(),
                  s.lastSeenAt(),
                  s.signals(),
                  s.throttle(),
                  s.immediate(),
                  s.bot(),
                  s.score(),
                  s.reasons(),
                  s.requests(),
                  s.escalations() + (up ? 1 : 0),
                  reputation);
            })
        .onEvent(
            Classified.class,
            (s, e) ->
                new State(
                    s.siteId(),
                    s.firstSeenAt(),
                    s.lastSeenAt(),
                    s.signals(),
                    s.throttle(),
                    e.immediate(),
                    e.bot(),
                    e.score(),
                    e.reasons(),
                    s.requests(),
                    s.escalations(),
                    s.reputation()))
        .onEvent(
            SignalsRolledUp.class,
            (s, e) ->
                s.with(
                    e.signals(),
                    e.throttle(),
                    e.lastSeenAt() != null ? e.lastSeenAt() : s.lastSeenAt(),
                    e.requests()))
        .onEvent(PinChanged.class, (s, e) -> s)
        .build();
  }
}
