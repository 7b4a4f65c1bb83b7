package dev.vigil.fingerprint;

import dev.vigil.CborSerializable;
import dev.vigil.anomaly.AnomalyBook;
import dev.vigil.anomaly.AnomalyLog;
import dev.vigil.anomaly.AnomalySettings;
import dev.vigil.anomaly.Level;
import dev.vigil.anomaly.MetricTracker;
import dev.vigil.anomaly.Threshold;
import dev.vigil.cluster.LivePopulation;
import dev.vigil.cluster.UnjournaledWrite;
import dev.vigil.db.JournalTrimming;
import dev.vigil.detection.DetectionSettings;
import dev.vigil.detection.FingerprintSignals;
import dev.vigil.detection.ImmediateClass;
import dev.vigil.detection.ThrottleLevel;
import dev.vigil.detection.ThrottlePolicy;
import dev.vigil.detection.ThrottleState;
import dev.vigil.detection.Verdict;
import dev.vigil.session.SessionEntity;
import dev.vigil.stream.LiveEvents;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
  private static final Logger LOG = LoggerFactory.getLogger(FingerprintEntity.class);
  static final int SNAPSHOT_EVERY = 50;
  public static final String SESSIONS_PER_FINGERPRINT = "sessions_per_fingerprint";
  public static final String DISTINCT_IPS = "distinct_ips_per_fingerprint";
  static final int TAGS = 4;

  /** Its journal: read by the fingerprints projection, trimmed by {@link JournalTrimming}. */
  public static final JournalTrimming.Journal JOURNAL =
      new JournalTrimming.Journal("fingerprints", "fingerprint-", TAGS, SNAPSHOT_EVERY, 2);

  /** Cooldowns and quiet anomaly minutes are checked this often (rollups as configured). */
  private static final Duration TICK = Duration.ofSeconds(10);

  /** One immutable strategy for every entity (a strategy per entity was ~130 bytes each). */
  private static final BackoffSupervisorStrategy RESTART =
      SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1);

  /** Messages the entity accepts. */
  public sealed interface Command extends CborSerializable {}

  /**
   * A request of one of the device's sessions: answered with a Decision when it is a decision.
   * {@code trace}: the decision's {@link DecisionStage} trace number, 0 when untraced.
   */
  public record Assess(String siteId, Assessor.Input input, long trace, ActorRef<Decision> replyTo)
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

  /**
   * The shard's stop message when it passivates the entity (idle, or beyond {@code
   * fingerprint.max-live}): signals not yet journaled are rolled up first.
   */
  enum Stop implements Command {
    INSTANCE
  }

  /** What a live fingerprint holds at most (64 sessions' signals, baselines): for {@code auto}. */
  static final long BYTES_PER_FINGERPRINT = 8 * 1024;

  /** The share of the heap that {@code fingerprint.max-live = auto} gives to fingerprints. */
  static final double HEAP_SHARE = 0.15;

  /** Journaled facts. */
  public sealed interface Event extends CborSerializable {}

  public record FirstSeen(String siteId, Instant at) implements Event {}

  public record ThrottleChanged(ThrottleLevel from, ThrottleLevel to, String reason, Instant at)
      implements Event {}

  public record Classified(
      ImmediateClass immediate, boolean bot, int score, List<String> reasons, Instant at)
      implements Event {}

  /** Signals, bucket and anomaly baselines; {@code anomalies} is null in older rollups. */
  public record SignalsRolledUp(
      FingerprintSignals signals,
      ThrottleState throttle,
      Instant lastSeenAt,
      long requests,
      AnomalyBook anomalies)
      implements Event {}

  public record PinChanged(ThrottleLevel pinned, String by, Instant at) implements Event {}

  /** An anomaly of one of the fingerprint's metrics opened, escalated or closed. */
  public record AnomalyTransitioned(
      String anomalyId,
      MetricTracker.Transition.Kind kind,
      String metric,
      Level level,
      double value,
      double baseline,
      double threshold,
      double peak,
      Instant at)
      implements Event {}

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
      int reputation,
      AnomalyBook anomalies)
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
            50,
            AnomalyBook.EMPTY);

    State with(FingerprintSignals s, ThrottleState t, Instant seen, long req, AnomalyBook a) {
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
          reputation,
          a);
    }
  }

  public static void init(
      ActorSystem<?> system,
      DetectionSettings settings,
      Clock clock,
      Function<String, Optional<Threshold>> thresholds,
      AnomalySettings anomalies) {
    ClusterSharding sharding = ClusterSharding.get(system);
    Function<String, RecipientRef<SessionEntity.Command>> sessions =
        sessionId -> sharding.entityRefFor(SessionEntity.ENTITY_KEY, sessionId);
    sharding.init(
        Entity.of(
                ENTITY_KEY,
                ctx -> create(ctx.getEntityId(), settings, clock, sessions, thresholds, anomalies))
            .withStopMessage(Stop.INSTANCE)
            .withSettings(
                LivePopulation.settings(
                    system,
                    "vigil.detection.fingerprint.max-live",
                    HEAP_SHARE,
                    BYTES_PER_FINGERPRINT,
                    "Fingerprints")));
  }

  /**
   * @param sessions how to reach a session entity (sharding in a node; a probe in tests)
   */
  public static Behavior<Command> create(
      String id,
      DetectionSettings settings,
      Clock clock,
      Function<String, RecipientRef<SessionEntity.Command>> sessions,
      Function<String, Optional<Threshold>> thresholds,
      AnomalySettings anomalies) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new FingerprintEntity(
                        id,
                        settings,
                        clock,
                        sessions,
                        thresholds,
                        anomalies,
                        LiveEvents.get(ctx.getSystem()),
                        timers,
                        ctx)));
  }

  public static String tagFor(String id) {
    return JOURNAL.tag(Math.floorMod(id.hashCode(), TAGS));
  }

  private final String id;
  private final Assessor assessor;
  private final ThrottlePolicy policy;
  private final Clock clock;
  private final Function<String, RecipientRef<SessionEntity.Command>> sessions;
  private final Function<String, Optional<Threshold>> thresholds;
  private final AnomalySettings anomalySettings;
  private final LiveEvents liveEvents;
  private final TimerScheduler<Command> timers;
  private final ActorContext<Command> ctx;
  // Signals, bucket and baselines between rollups: memory only, like a session's activity.
  // Null until the first command after recovery, then always set (see live(state)).
  private Live live;
  private boolean dirty;
  // A write that failed, or null: the live state has made its changes (a first sight, a pin, a
  // throttle change, a classification, an anomaly), so its events go before the next write's own,
  // or the journal and the read side would never hear of them. Commands see the state as if it
  // had been stored (onCommand).
  private UnjournaledWrite<Event> unjournaled;
  private boolean stopping;
  private int failedStopWrites;
  private Instant lastRollup;
  private final Duration rollupInterval;
  private Instant lastReceived;

  /** What changes per request and is journaled only in rollups. */
  private record Live(
      FingerprintSignals signals,
      ThrottleState throttle,
      Instant seen,
      long requests,
      AnomalyBook anomalies) {}

  private FingerprintEntity(
      String id,
      DetectionSettings settings,
      Clock clock,
      Function<String, RecipientRef<SessionEntity.Command>> sessions,
      Function<String, Optional<Threshold>> thresholds,
      AnomalySettings anomalySettings,
      LiveEvents liveEvents,
      TimerScheduler<Command> timers,
      ActorContext<Command> ctx) {
    super(PersistenceId.of(ENTITY_KEY.name(), id), RESTART);
    this.id = id;
    this.timers = timers;
    this.ctx = ctx;
    this.liveEvents = liveEvents;
    this.assessor = new Assessor(settings);
    this.rollupInterval = settings.fingerprintRollupInterval();
    this.policy = new ThrottlePolicy(settings.throttle());
    this.clock = clock;
    this.sessions = sessions;
    this.thresholds = thresholds;
    this.anomalySettings = anomalySettings;
    this.lastRollup = clock.instant();
    this.lastReceived = clock.instant();
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
    return RetentionCriteria.snapshotEvery(JOURNAL.snapshotEvery(), JOURNAL.keepSnapshots());
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    // One function per entity instead of the builder's case list, its lambdas and its
    // Scala list: the builder cost about 1 KiB of heap per live entity (BENCHMARKS.md, memory).
    return this::onCommand;
  }

  private ReplyEffect<Event, State> onCommand(State journaled, Command command) {
    State state = journaled;
    if (unjournaled != null) {
      for (Event e : unjournaled.carried()) {
        state = applyEvent(state, e);
      }
    }
    if (command instanceof Assess c) {
      return onAssess(state, c);
    }
    if (command instanceof RecordBeacon c) {
      return onBeacon(state, c);
    }
    if (command instanceof SetPin c) {
      return onSetPin(state, c);
    }
    if (command instanceof Get c) {
      return Effect().reply(c.replyTo(), view(state));
    }
    if (command instanceof Tick c) {
      return onTick(state, c);
    }
    if (command instanceof Stop) {
      return onStop(state);
    }
    throw new IllegalArgumentException("unknown command: " + command);
  }

  private ReplyEffect<Event, State> onAssess(State state, Assess cmd) {
    DecisionStage stage = DecisionStage.start(cmd.trace(), "fingerprint");
    Live l = live(state);
    Assessor.Input in = cmd.input();
    Assessor.Outcome out = assessor.assess(id, l.signals(), l.throttle(), in);
    lastReceived = clock.instant();
    List<Event> events = new ArrayList<>();
    if (state.siteId() == null) {
      events.add(new FirstSeen(cmd.siteId(), in.at()));
    }
    AnomalyBook.Result a =
        l.anomalies()
            .onRequest(id, in.at(), !in.decision(), in.error(), thresholds, anomalySettings);
    AnomalyBook book = a.book();
    List<MetricTracker.Transition> anomalyChanges = new ArrayList<>(a.transitions());
    if (in.newSession()) {
      long day = Duration.ofHours(24).toMillis();
      for (var sample :
          List.of(
              Map.entry(
                  SESSIONS_PER_FINGERPRINT, (double) out.signals().sessionsSince(in.at(), day)),
              Map.entry(DISTINCT_IPS, (double) out.signals().distinctIpsSince(in.at(), day)))) {
        AnomalyBook.Result r =
            book.sample(
                id, sample.getKey(), sample.getValue(), in.at(), thresholds, anomalySettings);
        book = r.book();
        anomalyChanges.addAll(r.transitions());
      }
    }
    live = new Live(out.signals(), out.throttle(), in.at(), l.requests() + 1, book);
    dirty = true;
    for (ThrottlePolicy.Transition t : out.transitions()) {
      // A trigger while Blocked restarts the cooldown (in the live state, journaled with the next
      // rollup) but changes no level: no event, or the projection would record a throttle event
      // and raise the reputation of a device that keeps misbehaving.
      if (t.from() != t.to()) {
        events.add(new ThrottleChanged(t.from(), t.to(), t.reason(), in.at()));
      }
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
          .tell(
              new SessionEntity.Classify(id, out.sessionClass(), v.score(), v.reasons(), in.at()));
    }
    events.addAll(anomalyEvents(anomalyChanges));
    if (!events.isEmpty()) {
      events.add(rollup()); // transitions carry the signals they happened at
    }
    Decision decision = out.decision();
    // the stage ends before the answer: answering runs the edge's rest of the decision here
    DecisionStage.end(stage);
    if (events.isEmpty()) {
      return decision == null ? Effect().noReply() : Effect().reply(cmd.replyTo(), decision);
    }
    String site = state.siteId() != null ? state.siteId() : cmd.siteId();
    if (decision != null) {
      // Answered from memory before the transition is journaled: the edge never waits for a
      // write. The live state already holds the new level, so the next request sees it too.
      cmd.replyTo().tell(decision);
    }
    return write(site, events).thenNoReply();
  }

  private ReplyEffect<Event, State> onBeacon(State state, RecordBeacon cmd) {
    Live l = live(state);
    FingerprintSignals after = l.signals().onBeacon(cmd.sessionId());
    if (after != l.signals()) {
      live = new Live(after, l.throttle(), l.seen(), l.requests(), l.anomalies());
      dirty = true;
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onSetPin(State state, SetPin cmd) {
    Live l = live(state);
    live =
        new Live(
            l.signals(), l.throttle().withPin(cmd.level()), l.seen(), l.requests(), l.anomalies());
    List<Event> events = List.of(new PinChanged(cmd.level(), cmd.by(), clock.instant()), rollup());
    return write(state.siteId(), events).thenReply(cmd.replyTo(), this::view);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::recovered)
        .build();
  }

  /**
   * After every recovery: the first, and the one after a restart on a failed write, which cancels
   * the actor's timers (so the tick is started here, not at setup) and, when stopping was what
   * failed, leaves the shard waiting for a termination its stop message asked for once. After such
   * a restart the signals in memory may not be journaled (a rollup clears dirty as it is built), so
   * they are journaled again rather than lost, after the failed write's other events (see {@link
   * UnjournaledWrite}).
   */
  private void recovered(State state) {
    failedStopWrites += stopping ? 1 : 0;
    dirty =
        LivePopulation.journalAgain(
            live != null,
            failedStopWrites,
            LOG,
            () -> "Fingerprint " + id + "'s signals" + UnjournaledWrite.andCarried(unjournaled));
    unjournaled =
        dirty
            ? UnjournaledWrite.afterRecovery(
                unjournaled, lastSequenceNumber(ctx), LOG, () -> "Fingerprint " + id)
            : null;
    timers.startTimerWithFixedDelay(
        Tick.INSTANCE, rollupInterval.compareTo(TICK) < 0 ? rollupInterval : TICK);
    if (stopping) {
      ctx.getSelf().tell(Stop.INSTANCE);
    }
  }

  private ReplyEffect<Event, State> onStop(State state) {
    stopping = true; // see recovered()
    if (state.siteId() == null || !dirty && unjournaled == null) {
      return Effect().stop().thenNoReply();
    }
    return write(state.siteId(), List.of(rollup())).thenStop().thenNoReply();
  }

  private ReplyEffect<Event, State> onTick(State state, Tick tick) {
    String site = state.siteId();
    if (site == null) {
      return Effect().noReply();
    }
    Live l = live(state);
    Instant now = clock.instant();
    List<Event> events = new ArrayList<>();
    var cooled = policy.cooldown(l.throttle(), now);
    ThrottleState t = l.throttle();
    if (cooled.isPresent()) {
      t = cooled.get().state();
      dirty = true;
      events.add(new ThrottleChanged(cooled.get().from(), cooled.get().to(), "cooldown", now));
    }
    AnomalyBook book = l.anomalies();
    // Judge a quiet spell's minutes only when no input has arrived for a while by the wall
    // clock: a replay with past timestamps must not have its minutes closed under it.
    if (!lastReceived.plus(Duration.ofMinutes(2)).isAfter(now)) {
      AnomalyBook.Result r = book.flush(id, now, thresholds, anomalySettings);
      if (!r.transitions().isEmpty() || r.book() != book) {
        book = r.book();
        dirty = true;
        events.addAll(anomalyEvents(r.transitions()));
      }
    }
    live = new Live(l.signals(), t, l.seen(), l.requests(), book);
    if (dirty
        && (!events.isEmpty()
            || unjournaled != null
            || !lastRollup.plus(rollupInterval).isAfter(now))) {
      events.add(rollup());
    }
    return events.isEmpty() ? Effect().noReply() : write(site, events).thenNoReply();
  }

  /**
   * Journals {@code fresh} (which ends with a rollup) after the events of a write that failed, and
   * reports them all once journaled.
   */
  private EffectBuilder<Event, State> write(String site, List<Event> fresh) {
    List<Event> events = UnjournaledWrite.events(unjournaled, fresh);
    unjournaled =
        UnjournaledWrite.writing(
            unjournaled, events, lastSequenceNumber(ctx), SignalsRolledUp.class::isInstance);
    return Effect()
        .persist(events)
        .thenRun(
            s -> {
              unjournaled = null;
              report(site, events);
            });
  }

  private static List<Event> anomalyEvents(List<MetricTracker.Transition> ts) {
    List<Event> events = new ArrayList<>();
    for (MetricTracker.Transition t : ts) {
      events.add(
          new AnomalyTransitioned(
              t.anomalyId(),
              t.kind(),
              t.metric(),
              t.level(),
              t.value(),
              t.baseline(),
              t.threshold(),
              t.peak(),
              t.at()));
    }
    return events;
  }

  /** A {@code throttle.changed} event's data. */
  public record LiveThrottle(
      String fingerprintId,
      String siteId,
      String from,
      String to,
      String reason,
      String pinned,
      Instant at) {}

  /**
   * After the journal write: the live {@code throttle.changed} events, and the SIEM line and live
   * event of each anomaly transition.
   */
  private void report(String site, List<Event> events) {
    for (Event e : events) {
      if (e instanceof ThrottleChanged t) {
        liveEvents.publish(
            site,
            "throttle.changed",
            t.at(),
            new LiveThrottle(id, site, wire(t.from()), wire(t.to()), t.reason(), pinned(), t.at()));
      } else if (e instanceof PinChanged p) {
        // from: the level the behaviour earned; to: what applies now that the pin is set or gone
        liveEvents.publish(
            site,
            "throttle.changed",
            p.at(),
            new LiveThrottle(
                id,
                site,
                wire(live.throttle().level()),
                wire(live.throttle().effective()),
                p.pinned() == null ? "pin removed by " + p.by() : "pinned by " + p.by(),
                pinned(),
                p.at()));
      } else if (e instanceof AnomalyTransitioned a) {
        AnomalyLog.transition(
            liveEvents,
            site,
            "fingerprint",
            id,
            a.anomalyId(),
            a.kind(),
            a.metric(),
            a.level(),
            a.value(),
            a.baseline(),
            a.threshold(),
            a.peak(),
            a.at());
      }
    }
  }

  private String pinned() {
    ThrottleLevel pin = live == null ? null : live.throttle().pinned();
    return pin == null ? null : wire(pin);
  }

  private static String wire(ThrottleLevel level) {
    return level == null ? null : level.wire();
  }

  private SignalsRolledUp rollup() {
    dirty = false;
    lastRollup = clock.instant();
    return new SignalsRolledUp(
        live.signals(), live.throttle(), live.seen(), live.requests(), live.anomalies());
  }

  private Live live(State s) {
    if (live == null) {
      live =
          new Live(
              s.signals(),
              s.throttle(),
              s.lastSeenAt(),
              s.requests(),
              s.anomalies() == null ? AnomalyBook.EMPTY : s.anomalies());
    }
    return live;
  }

  private State view(State s) {
    Live l = live(s);
    return s.with(
        l.signals(),
        l.throttle(),
        l.seen() != null ? l.seen() : s.lastSeenAt(),
        l.requests(),
        l.anomalies());
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return EVENTS;
  }

  /** Shared by every entity: events need nothing of the instance. */
  private static final EventHandler<State, Event> EVENTS = FingerprintEntity::applyEvent;

  private static State applyEvent(State state, Event event) {
    if (event instanceof FirstSeen e) {
      return new State(
          e.siteId(),
          e.at(),
          e.at(),
          state.signals(),
          state.throttle(),
          state.immediate(),
          state.bot(),
          state.score(),
          state.reasons(),
          state.requests(),
          state.escalations(),
          state.reputation(),
          state.anomalies());
    }
    if (event instanceof ThrottleChanged e) {
      boolean up = e.to().ordinal() > e.from().ordinal();
      int reputation = Math.max(0, Math.min(100, state.reputation() + (up ? -10 : 5)));
      return new State(
          state.siteId(),
          state.firstSeenAt(),
          state.lastSeenAt(),
          state.signals(),
          state.throttle(),
          state.immediate(),
          state.bot(),
          state.score(),
          state.reasons(),
          state.requests(),
          state.escalations() + (up ? 1 : 0),
          reputation,
          state.anomalies());
    }
    if (event instanceof Classified e) {
      return new State(
          state.siteId(),
          state.firstSeenAt(),
          state.lastSeenAt(),
          state.signals(),
          state.throttle(),
          e.immediate(),
          e.bot(),
          e.score(),
          e.reasons(),
          state.requests(),
          state.escalations(),
          state.reputation(),
          state.anomalies());
    }
    if (event instanceof SignalsRolledUp e) {
      return state.with(
          e.signals(),
          e.throttle(),
          e.lastSeenAt() != null ? e.lastSeenAt() : state.lastSeenAt(),
          e.requests(),
          e.anomalies() != null ? e.anomalies() : state.anomalies());
    }
    if (event instanceof PinChanged e) {
      return state;
    }
    if (event instanceof AnomalyTransitioned e) {
      return state;
    }
    throw new IllegalArgumentException("unknown event: " + event);
  }
}
