package dev.vigil.session;

import dev.vigil.CborSerializable;
import dev.vigil.anomaly.SubjectRollups;
import dev.vigil.cluster.LivePopulation;
import dev.vigil.db.JournalTrimming;
import dev.vigil.detection.DetectionSettings;
import dev.vigil.detection.ImmediateClass;
import dev.vigil.detection.RequestFacts;
import dev.vigil.detection.SessionSignals;
import dev.vigil.engagement.ClientInfo;
import dev.vigil.engagement.EventType;
import dev.vigil.fingerprint.Assessor;
import dev.vigil.fingerprint.Decision;
import dev.vigil.fingerprint.DecisionStage;
import dev.vigil.fingerprint.FingerprintEntity;
import dev.vigil.session.Activity.PageSignal;
import dev.vigil.stream.LiveEvents;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One visit: its landing page, client, activity, behavioural signals, class and lifecycle, fed by
 * the beacon batches and the requests (decisions, observations) of its session id. The journal
 * holds transitions (started, fingerprint linked, user identified, converted, classified, ended)
 * and rollups of activity and signals at most every {@code rollup-interval}, not every beacon or
 * request: between rollups the newest activity and signals live only in memory. A request is
 * forwarded to the session's fingerprint entity, which answers the decision. The session ends after
 * {@code inactivity-timeout} without input (wall clock of receipt), then passivates.
 *
 * <p>Snapshots every {@code snapshot-every} events, keeping two: recovery reads a bounded journal;
 * and one with every end, after which the journal before the end is pruned ({@link
 * SessionPruning}).
 */
public final class SessionEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        SessionEntity.Command, SessionEntity.Event, SessionEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "Session");

  // ---- protocol ----

  /** One immutable strategy for every entity (a strategy per entity was ~130 bytes each). */
  private static final BackoffSupervisorStrategy RESTART =
      SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1);

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

  /**
   * A request of this session seen by the edge (a decision call, or an observation after the fact).
   * The session updates its signals and forwards the request to its fingerprint, which answers
   * {@code replyTo} with the decision; an observation has none. {@code trace}: the decision's
   * {@code DecisionStage} trace number, 0 when untraced.
   */
  public record ObserveRequest(
      String siteId,
      String fingerprintId,
      RequestFacts facts,
      ClientInfo client,
      ImmediateClass immediate,
      int sitePages,
      boolean siteRunsTracker,
      long trace,
      ActorRef<Decision> replyTo)
      implements Command {
    /** A decision waits for an answer; an observation, already stored, does not. */
    public boolean decision() {
      return replyTo != null;
    }
  }

  /**
   * The classification of this session by {@code fingerprintId} (sent when it differs from the
   * last); only the session's own fingerprint's counts. A null fingerprint (a node of an older
   * version) counts as its own.
   */
  public record Classify(
      String fingerprintId, String sessionClass, int score, List<String> reasons, Instant at)
      implements Command {}

  /** Ends the session if nothing arrived for the inactivity timeout (sent by the reaper). */
  public record EndIfIdle(ActorRef<Done> replyTo) implements Command {}

  /** The live view, including activity not yet journaled. */
  public record GetSession(ActorRef<SessionView> replyTo) implements Command {}

  private enum Tick implements Command {
    INSTANCE
  }

  /**
   * The shard's stop message when it passivates the entity (idle, ended, or beyond {@code
   * max-live}): activity not yet journaled is rolled up first, so the session recovered on its next
   * input has it.
   */
  enum Stop implements Command {
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

  /**
   * The session's totals and signals as of {@code lastSeenAt}; received is the wall-clock time of
   * the last input. {@code signals} is null in rollups journaled before detection existed.
   */
  public record ActivityRolledUp(
      Activity totals, Instant lastSeenAt, Instant receivedAt, SessionSignals signals)
      implements Event {}

  public record UserIdentified(String userId) implements Event {}

  public record SessionConverted(String goal, Instant at) implements Event {}

  public record SessionEnded(Instant endedAt, String reason) implements Event {}

  /** The session's requests come from this device fingerprint. */
  public record FingerprintLinked(String fingerprintId) implements Event {}

  /** The session's class changed (human, behavioural_bot, scanner, ...). */
  public record SessionClassified(String sessionClass, int score, List<String> reasons, Instant at)
      implements Event {}

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
      Activity totals,
      String fingerprintId,
      String sessionClass,
      int score,
      List<String> reasons,
      SessionSignals signals)
      implements CborSerializable {

    static final State EMPTY =
        new State(
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            Activity.NONE,
            null,
            "human",
            0,
            List.of(),
            null);

    public boolean started() {
      return siteId != null;
    }

    public boolean ended() {
      return endedAt != null;
    }

    State with(Activity t, Instant seen, Instant received, Instant ended, SessionSignals sig) {
      return new State(
          siteId,
          visitorId,
          userId,
          startedAt,
          seen,
          received,
          ended,
          landing,
          client,
          t,
          fingerprintId,
          sessionClass,
          score,
          reasons,
          sig);
    }

    State withUser(String user) {
      return new State(
          siteId,
          visitorId,
          user,
          startedAt,
          lastSeenAt,
          lastReceivedAt,
          endedAt,
          landing,
          client,
          totals,
          fingerprintId,
          sessionClass,
          score,
          reasons,
          signals);
    }

    State withFingerprint(String fp) {
      return new State(
          siteId,
          visitorId,
          userId,
          startedAt,
          lastSeenAt,
          lastReceivedAt,
          endedAt,
          landing,
          client,
          totals,
          fp,
          sessionClass,
          score,
          reasons,
          signals);
    }

    State withClass(String c, int sc, List<String> rs) {
      return new State(
          siteId,
          visitorId,
          userId,
          startedAt,
          lastSeenAt,
          lastReceivedAt,
          endedAt,
          landing,
          client,
          totals,
          fingerprintId,
          c,
          sc,
          List.copyOf(rs),
          signals);
    }
  }

  // ---- boilerplate ----

  public static void init(
      org.apache.pekko.actor.typed.ActorSystem<?> system,
      SessionSettings settings,
      DetectionSettings detection,
      SubjectRollups rollups,
      Clock clock) {
    // Idle passivation must outlive the inactivity timeout, or the entity would be stopped before
    // it can notice that its session has ended.
    var sharding =
        LivePopulation.settings(
            system, settings.inactivityTimeout().plus(Duration.ofMinutes(5)), settings.maxLive());
    system
        .log()
        .info(
            "Sessions: at most {} live on this node (vigil.sessions.max-live)", settings.maxLive());
    ClusterSharding.get(system)
        .init(
            Entity.of(
                    ENTITY_KEY,
                    ctx ->
                        create(
                            ctx.getEntityId(), ctx.getShard(), settings, detection, rollups, clock))
                .withStopMessage(Stop.INSTANCE)
                .withSettings(sharding));
  }

  /**
   * @param shard the entity's shard, to passivate through it (no message is lost in between); null
   *     outside sharding (tests), where the entity simply stops
   */
  public static Behavior<Command> create(
      String sessionId,
      ActorRef<ClusterSharding.ShardCommand> shard,
      SessionSettings settings,
      DetectionSettings detection,
      SubjectRollups rollups,
      Clock clock) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new SessionEntity(
                        sessionId, shard, settings, detection, rollups, clock, ctx, timers)));
  }

  /** The session journal: read by the sessions projection, trimmed by {@link JournalTrimming}. */
  public static JournalTrimming.Journal journal(SessionSettings settings) {
    return new JournalTrimming.Journal(
        SessionProjection.NAME,
        SessionProjection.TAG_PREFIX,
        settings.tags(),
        settings.snapshotEvery(),
        KEEP_SNAPSHOTS);
  }

  /** The projection tag of a session: a stable spread over {@code tags} tags. */
  public static String tagFor(String sessionId, int tags) {
    return SessionProjection.tag(Math.floorMod(sessionId.hashCode(), tags));
  }

  /**
   * Snapshots kept before the latest, with the events after the oldest of them (Pekko's retention
   * and {@link JournalTrimming}): an operator can delete a latest snapshot that cannot be read, and
   * the entity recovers from the one before.
   */
  private static final int KEEP_SNAPSHOTS = 2;

  private final String sessionId;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final SessionSettings settings;
  private final DetectionSettings detection;
  private final SubjectRollups rollups;
  private final Clock clock;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final LiveEvents live;
  // Input since the last rollup: memory only, by design (see class comment).
  private Activity pending = Activity.NONE;
  private Instant pendingLastSeen;
  private Instant pendingLastReceived;
  private SessionSignals liveSignals;
  private Instant lastRollupWall;
  // The tick runs every tick-interval while there is something for it to do (pending activity to
  // roll up, an end to passivate after), and every idle-tick-interval otherwise: an idle session
  // only needs its inactivity check, and 100,000 live sessions ticking every 10 s were ~10,000
  // timer messages a second for nothing (BENCHMARKS.md). A new entity starts busy (its first
  // input follows at once): a replaced timer's task stays in the scheduler until it was due, and a
  // short one is gone soon.
  private boolean busyTick = true;
  // Set by the shard's stop message (see recovered()).
  private boolean stopping;

  private SessionEntity(
      String sessionId,
      ActorRef<ClusterSharding.ShardCommand> shard,
      SessionSettings settings,
      DetectionSettings detection,
      SubjectRollups rollups,
      Clock clock,
      ActorContext<Command> context,
      TimerScheduler<Command> timers) {
    super(PersistenceId.of(ENTITY_KEY.name(), sessionId), RESTART);
    this.sessionId = sessionId;
    this.shard = shard;
    this.settings = settings;
    this.detection = detection;
    this.rollups = rollups;
    this.clock = clock;
    this.context = context;
    this.timers = timers;
    this.live = LiveEvents.get(context.getSystem());
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
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), KEEP_SNAPSHOTS);
  }

  /**
   * A snapshot with every end as well: it holds all a later recovery needs, so once the sessions
   * projection has read the end, {@link SessionPruning} deletes the events before it and an ended
   * session keeps one event and one snapshot in the store instead of its whole history.
   */
  @Override
  public boolean shouldSnapshot(State state, Event event, long sequenceNr) {
    return event instanceof SessionEnded;
  }

  // ---- commands ----

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    // One function per entity instead of the builder's case list, its lambdas and its
    // Scala list: the builder cost about 1 KiB of heap per live entity (BENCHMARKS.md, memory).
    return this::onCommand;
  }

  private ReplyEffect<Event, State> onCommand(State state, Command command) {
    if (command instanceof RecordBeacons c) {
      return onRecordBeacons(state, c);
    }
    if (command instanceof ObserveRequest c) {
      return onObserveRequest(state, c);
    }
    if (command instanceof Classify c) {
      return onClassify(state, c);
    }
    if (command instanceof EndIfIdle c) {
      return onEndIfIdle(state, c);
    }
    if (command instanceof GetSession c) {
      return onGetSession(state, c);
    }
    if (command instanceof Tick c) {
      return onTick(state, c);
    }
    if (command instanceof Stop) {
      return onStop(state);
    }
    throw new IllegalArgumentException("unknown command: " + command);
  }

  /**
   * Whether input under this session's id comes from another site than the one it started on. A
   * session id is the client's to send, and a site's keys must not reach another site's session:
   * such input is not applied (its beacons are stored under its own site all the same).
   */
  private static boolean foreign(State state, String siteId) {
    return state.started() && !state.siteId().equals(siteId);
  }

  private ReplyEffect<Event, State> onRecordBeacons(State state, RecordBeacons cmd) {
    if (cmd.beacons().isEmpty() || foreign(state, cmd.siteId())) {
      return Effect().reply(cmd.replyTo(), Done.getInstance());
    }
    Instant now = clock.instant();
    SessionSignals sig = signals(state, cmd.beacons().get(0).ts());
    for (PageSignal s : cmd.beacons()) {
      pending = pending.plus(s);
      pendingLastSeen = latest(pendingLastSeen, s.ts());
      sig = sig.onBeacon();
    }
    liveSignals = sig;
    pendingLastReceived = now;
    tickBusy(true);
    if (state.fingerprintId() != null) {
      ClusterSharding.get(context.getSystem())
          .entityRefFor(FingerprintEntity.ENTITY_KEY, state.fingerprintId())
          .tell(new FingerprintEntity.RecordBeacon(sessionId));
    }
    List<Event> events = new ArrayList<>();
    if (!state.started()) {
      events.add(started(cmd.siteId(), cmd.visitorId(), cmd.userId(), cmd.client(), cmd.beacons()));
    } else if (cmd.userId() != null && !cmd.userId().equals(state.userId())) {
      events.add(new UserIdentified(cmd.userId()));
    }
    cmd.beacons().stream()
        .filter(s -> s.type() == EventType.CONVERSION)
        .forEach(s -> events.add(new SessionConverted(s.goal(), s.ts())));
    return persistWithRollup(state, events, now).thenReply(cmd.replyTo(), s -> Done.getInstance());
  }

  private ReplyEffect<Event, State> onObserveRequest(State state, ObserveRequest cmd) {
    if (foreign(state, cmd.siteId())) {
      return onForeignRequest(cmd);
    }
    DecisionStage stage = DecisionStage.start(cmd.trace(), "session");
    Instant now = clock.instant();
    RequestFacts f = cmd.facts();
    SessionSignals before = signals(state, f.at());
    SessionSignals sig = before.onRequest(f, detection.limits().browserMajorFloor());
    liveSignals = sig;
    pending = pending.withRequest();
    if (state.userId() != null && rollups != null) {
      rollups.userRequest(cmd.siteId(), state.userId(), f.at());
    }
    pendingLastSeen = latest(pendingLastSeen, f.at());
    pendingLastReceived = now;
    tickBusy(true);
    List<Event> events = new ArrayList<>();
    if (!state.started()) {
      events.add(startedByRequest(cmd));
    }
    if (!cmd.fingerprintId().equals(state.fingerprintId())) {
      events.add(new FingerprintLinked(cmd.fingerprintId()));
    }
    var assess = assessment(cmd, sig, before.requests() == 0, state.sessionClass());
    var fingerprint = fingerprintOf(cmd);
    // Forwarded before anything is journaled: a decision never waits for a journal write, not
    // even for a new session (for a client without cookies every request is one). If the write
    // then fails, the entity restarts and the next request starts the session again.
    DecisionStage.end(stage); // before the tell: the fingerprint may start on another thread
    fingerprint.tell(assess);
    // An ended session resumes at once, as on a beacon: left ended, its next tick would passivate
    // it, and its next end would wait for the reaper.
    return events.isEmpty() && !state.ended()
        ? Effect().noReply()
        : persistWithRollup(state, events, now).thenNoReply();
  }

  /**
   * A request of another site under this session's id: assessed by its own site's fingerprint on
   * this request's signals alone, and nothing of it kept here (no signals, no link, and that
   * fingerprint's classification is not this session's). Not marked new: the fingerprint counts the
   * id as one session the first time it sees it and recognises it after, so a visitor whose cookie
   * two sites on one host share does not look like a cookieless flood there.
   */
  private ReplyEffect<Event, State> onForeignRequest(ObserveRequest cmd) {
    RequestFacts f = cmd.facts();
    SessionSignals sig =
        SessionSignals.opened(f.at()).onRequest(f, detection.limits().browserMajorFloor());
    fingerprintOf(cmd).tell(assessment(cmd, sig, false, "human"));
    return Effect().noReply();
  }

  /** What the request's fingerprint is asked to assess, with the session's signals after it. */
  private FingerprintEntity.Assess assessment(
      ObserveRequest cmd, SessionSignals sig, boolean newSession, String sessionClass) {
    RequestFacts f = cmd.facts();
    var input =
        new Assessor.Input(
            sessionId,
            newSession,
            f.at(),
            f.ip(),
            f.isPageRequest(),
            f.isError(),
            sig.evaluate(f.at(), detection, cmd.sitePages(), cmd.siteRunsTracker()),
            cmd.immediate(),
            sessionClass,
            cmd.decision());
    return new FingerprintEntity.Assess(cmd.siteId(), input, cmd.trace(), cmd.replyTo());
  }

  private EntityRef<FingerprintEntity.Command> fingerprintOf(ObserveRequest cmd) {
    return ClusterSharding.get(context.getSystem())
        .entityRefFor(FingerprintEntity.ENTITY_KEY, cmd.fingerprintId());
  }

  private ReplyEffect<Event, State> onClassify(State state, Classify cmd) {
    if (cmd.fingerprintId() != null && !cmd.fingerprintId().equals(state.fingerprintId())) {
      return Effect().noReply(); // another fingerprint's view of this id (see onForeignRequest)
    }
    if (cmd.sessionClass().equals(state.sessionClass())) {
      return Effect().noReply();
    }
    return persist(
            state,
            List.of(
                new SessionClassified(cmd.sessionClass(), cmd.score(), cmd.reasons(), cmd.at())))
        .thenNoReply();
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
    // Idle is judged by when input was received (wall clock), not by its own timestamps, which
    // replays may set in the past.
    Instant lastReceived = latest(state.lastReceivedAt(), state.startedAt());
    boolean idle = !lastReceived.plus(settings.inactivityTimeout()).isAfter(now);
    if (idle && !hasPending()) {
      tickBusy(true); // to passivate on the next tick
      return persist(state, List.of(new SessionEnded(state.lastSeenAt(), "inactivity")))
          .thenNoReply();
    }
    if (hasPending() && !lastRollupWall.plus(settings.rollupInterval()).isAfter(now)) {
      tickBusy(false);
      return persist(state, List.of(rollup(state, now))).thenNoReply();
    }
    tickBusy(hasPending());
    return Effect().noReply();
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
   * failed, leaves the shard waiting for a termination its stop message asked for once.
   */
  private void recovered(State state) {
    busyTick = true; // a new entity's first input follows at once
    timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.tickInterval());
    if (stopping) {
      context.getSelf().tell(Stop.INSTANCE);
    }
  }

  private ReplyEffect<Event, State> onStop(State state) {
    stopping = true; // see recovered()
    if (state.started() && hasPending()) {
      return persist(state, List.of(rollup(state, clock.instant()))).thenStop().thenNoReply();
    }
    return Effect().stop().thenNoReply();
  }

  private ReplyEffect<Event, State> onEndIfIdle(State state, EndIfIdle cmd) {
    if (!state.started() || state.ended() || hasPending()) {
      return Effect().reply(cmd.replyTo(), Done.getInstance());
    }
    Instant lastReceived = latest(state.lastReceivedAt(), state.startedAt());
    boolean idle = !lastReceived.plus(settings.inactivityTimeout()).isAfter(clock.instant());
    if (!idle) {
      return Effect().reply(cmd.replyTo(), Done.getInstance());
    }
    tickBusy(true); // to passivate on the next tick
    return persist(state, List.of(new SessionEnded(state.lastSeenAt(), "inactivity")))
        .thenReply(cmd.replyTo(), s -> Done.getInstance());
  }

  private ReplyEffect<Event, State> onGetSession(State state, GetSession cmd) {
    State live =
        liveSignals == null
            ? state
            : state.with(
                state.totals(),
                state.lastSeenAt(),
                state.lastReceivedAt(),
                state.endedAt(),
                liveSignals);
    return Effect().reply(cmd.replyTo(), new SessionView(sessionId, live, pending));
  }

  /**
   * Tells the site's live streams what changed, then journals it. The stream does not wait for the
   * journal write, as a decision does not: the live view is this entity's memory (its activity
   * since the last rollup is never journaled at all), and a new session's write after its recovery
   * was half of a beacon's way to a dashboard (BENCHMARKS.md, live streams). If the write fails,
   * the entity restarts from its journal and its next input says what holds; a start whose write
   * failed and that gets no further input was shown but is never ended on the stream (the journal,
   * the sessions table and the API never had it).
   */
  private org.apache.pekko.persistence.typed.javadsl.EffectBuilder<Event, State> persist(
      State state, List<Event> events) {
    State after = state;
    for (Event e : events) {
      after = applyEvent(after, e);
    }
    publish(events, after);
    return Effect().persist(events);
  }

  private void publish(List<Event> events, State s) {
    if (!s.started()) {
      return;
    }
    String type = "session.updated";
    for (Event e : events) {
      if (e instanceof SessionStarted) {
        type = "session.started";
      } else if (e instanceof SessionEnded && !type.equals("session.started")) {
        type = "session.ended";
      } else if (e instanceof SessionClassified && type.equals("session.updated")) {
        type = "session.classified";
      }
    }
    live.publish(
        s.siteId(), type, clock.instant(), dev.vigil.session.SessionView.live(sessionId, s));
  }

  /**
   * Persists the transitions with a rollup (transitions carry the totals they happened at), or a
   * rollup alone when one is due or the session resumes after an end; nothing otherwise.
   */
  private org.apache.pekko.persistence.typed.javadsl.EffectBuilder<Event, State> persistWithRollup(
      State state, List<Event> events, Instant now) {
    boolean rollupDue = !lastRollupWall.plus(settings.rollupInterval()).isAfter(now);
    if (!events.isEmpty() || state.ended() || rollupDue) {
      List<Event> all = new ArrayList<>(events);
      all.add(rollup(state, now));
      return persist(state, all);
    }
    return Effect().none();
  }

  private SessionStarted started(
      String siteId, String visitorId, String userId, ClientInfo client, List<PageSignal> beacons) {
    PageSignal first =
        beacons.stream()
            .filter(s -> s.type() == EventType.PAGE_VIEW)
            .findFirst()
            .orElse(beacons.get(0));
    Instant startedAt = beacons.stream().map(PageSignal::ts).min(Instant::compareTo).orElseThrow();
    return new SessionStarted(
        sessionId,
        siteId,
        visitorId,
        userId,
        startedAt,
        new Landing(
            first.url(),
            first.path(),
            first.referrerHost(),
            first.utmSource(),
            first.utmMedium(),
            first.utmCampaign()),
        client);
  }

  private SessionStarted startedByRequest(ObserveRequest cmd) {
    RequestFacts f = cmd.facts();
    String url =
        (f.https() ? "https://" : "http://")
            + (f.host() == null ? "" : f.host())
            + (f.path() == null ? "/" : f.path())
            + (f.query() == null || f.query().isEmpty() ? "" : "?" + f.query());
    String refHost = null;
    try {
      refHost = f.referer() == null ? null : java.net.URI.create(f.referer()).getHost();
    } catch (IllegalArgumentException ignored) {
      // an unparseable referer is simply not recorded
    }
    return new SessionStarted(
        sessionId,
        cmd.siteId(),
        null,
        null,
        f.at(),
        new Landing(url, f.path(), refHost, null, null, null),
        cmd.client());
  }

  /** Folds the pending input into a rollup event and starts a new pending period. */
  private ActivityRolledUp rollup(State state, Instant now) {
    Activity totals = state.totals().add(pending);
    Instant seen = latest(state.lastSeenAt(), pendingLastSeen);
    Instant received = latest(state.lastReceivedAt(), pendingLastReceived);
    SessionSignals sig = liveSignals != null ? liveSignals : state.signals();
    pending = Activity.NONE;
    pendingLastSeen = null;
    pendingLastReceived = null;
    lastRollupWall = now;
    return new ActivityRolledUp(totals, seen, received == null ? now : received, sig);
  }

  /** Sets the tick to tick-interval (busy) or idle-tick-interval; restarts it only on a change. */
  private void tickBusy(boolean busy) {
    if (busy != busyTick) {
      busyTick = busy;
      timers.startTimerWithFixedDelay(
          Tick.INSTANCE, busy ? settings.tickInterval() : settings.idleTickInterval());
    }
  }

  private boolean hasPending() {
    return !pending.equals(Activity.NONE);
  }

  private SessionSignals signals(State state, Instant openedAt) {
    if (liveSignals != null) {
      return liveSignals;
    }
    return state.signals() != null ? state.signals() : SessionSignals.opened(openedAt);
  }

  private void passivate() {
    context.getLog().debug("Session {} ended; passivating", sessionId);
    if (shard != null) {
      shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
    } else {
      context.stop(context.getSelf());
    }
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
    return EVENTS;
  }

  /** Shared by every entity: events need nothing of the instance. */
  private static final EventHandler<State, Event> EVENTS = SessionEntity::applyEvent;

  private static State applyEvent(State state, Event event) {
    if (event instanceof SessionStarted e) {
      return new State(
          e.siteId(),
          e.visitorId(),
          e.userId(),
          e.startedAt(),
          e.startedAt(),
          null,
          null,
          e.landing(),
          e.client(),
          Activity.NONE,
          state.fingerprintId(),
          state.sessionClass(),
          state.score(),
          state.reasons(),
          state.signals());
    }
    // activity after an end resumes the session
    if (event instanceof ActivityRolledUp e) {
      return state.with(
          e.totals(),
          e.lastSeenAt(),
          e.receivedAt(),
          null,
          e.signals() != null ? e.signals() : state.signals());
    }
    if (event instanceof UserIdentified e) {
      return state.withUser(e.userId());
    }
    if (event instanceof FingerprintLinked e) {
      return state.withFingerprint(e.fingerprintId());
    }
    if (event instanceof SessionClassified e) {
      return state.withClass(e.sessionClass(), e.score(), e.reasons());
    }
    if (event instanceof SessionConverted e) {
      return state;
    }
    if (event instanceof SessionEnded e) {
      return state.with(
          state.totals(), state.lastSeenAt(), state.lastReceivedAt(), e.endedAt(), state.signals());
    }
    throw new IllegalArgumentException("unknown event: " + event);
  }
}
