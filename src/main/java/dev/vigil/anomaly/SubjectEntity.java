package dev.vigil.anomaly;

import dev.vigil.CborSerializable;
import dev.vigil.cluster.LivePopulation;
import dev.vigil.cluster.UnjournaledWrite;
import dev.vigil.db.JournalTrimming;
import dev.vigil.stream.LiveEvents;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metrics of a site or an identified user ({@code site:<site>:<site>}, {@code
 * user:<site>:<user>}): requests per minute and, for sites, the bot share per minute, fed by the
 * nodes' rollups ({@link SubjectRollups}). Its baselines survive restarts through rollup events and
 * snapshots; transitions are journaled and projected into {@code anomalies}. No command here needs
 * a reply (rollups are told), so it is a plain event-sourced behavior.
 *
 * <p>A node keeps at most {@code vigil.anomalies.subject-max-live} of them in memory ({@link
 * LivePopulation}): user ids come from the sites' trackers, so their number is the visitors' to
 * choose. A subject passivated (idle, or beyond the limit) journals its book first, so it comes
 * back with the baselines it had.
 */
public final class SubjectEntity
    extends EventSourcedBehavior<SubjectEntity.Command, SubjectEntity.Event, SubjectEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "Subject");
  private static final Logger LOG = LoggerFactory.getLogger(SubjectEntity.class);
  static final int TAGS = 2;

  /** Its journal: read by the subjects projection, trimmed by {@link JournalTrimming}. */
  public static final JournalTrimming.Journal JOURNAL =
      new JournalTrimming.Journal("subjects", "subject-", TAGS, 50, 2);

  private static final Duration ROLLUP_INTERVAL = Duration.ofSeconds(30);
  private static final Duration TICK = Duration.ofSeconds(10);

  /** One immutable strategy for every entity (a strategy per entity was ~130 bytes each). */
  private static final BackoffSupervisorStrategy RESTART =
      SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1);

  /** Messages. */
  public sealed interface Command extends CborSerializable {}

  public record AddCounts(SubjectRollups.Counts counts) implements Command {}

  private enum Tick implements Command {
    INSTANCE
  }

  /**
   * The shard's stop message when it passivates the entity (idle, or beyond {@code
   * subject-max-live}): a book changed since its last rollup is rolled up first.
   */
  enum Stop implements Command {
    INSTANCE
  }

  /**
   * What a live subject holds, for {@code auto}: 3.5-3.6 KB measured for a user's subject after its
   * first counts ({@code dev.vigil.testkit.EntityHeap}, without sharding's share), rounded up for
   * sharding and a site's fuller book.
   */
  static final long BYTES_PER_SUBJECT = 8 * 1024;

  /** The share of the heap that {@code subject-max-live = auto} gives to subjects. */
  static final double HEAP_SHARE = 0.05;

  /** Journaled facts. */
  public sealed interface Event extends CborSerializable {}

  public record BookRolledUp(String siteId, String kind, String subjectId, AnomalyBook book)
      implements Event {}

  public record AnomalyTransitioned(
      String siteId,
      String kind,
      String subjectId,
      String anomalyId,
      MetricTracker.Transition.Kind change,
      String metric,
      Level level,
      double value,
      double baseline,
      double threshold,
      double peak,
      Instant at)
      implements Event {}

  /** The book as of the last rollup. */
  public record State(String siteId, String kind, String subjectId, AnomalyBook book)
      implements CborSerializable {}

  public static void init(
      ActorSystem<?> system,
      Function<String, Optional<Threshold>> thresholds,
      AnomalySettings settings,
      Clock clock) {
    ClusterSharding.get(system)
        .init(
            Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), thresholds, settings, clock))
                .withStopMessage(Stop.INSTANCE)
                .withSettings(
                    LivePopulation.settings(
                        system,
                        "vigil.anomalies.subject-max-live",
                        HEAP_SHARE,
                        BYTES_PER_SUBJECT,
                        "Anomaly subjects")));
  }

  public static Behavior<Command> create(
      String id,
      Function<String, Optional<Threshold>> thresholds,
      AnomalySettings settings,
      Clock clock) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new SubjectEntity(
                        id,
                        thresholds,
                        settings,
                        clock,
                        LiveEvents.get(ctx.getSystem()),
                        timers,
                        ctx)));
  }

  private final String id;
  private final Function<String, Optional<Threshold>> thresholds;
  private final AnomalySettings settings;
  private final Clock clock;
  private final LiveEvents liveEvents;
  private final TimerScheduler<Command> timers;
  private final ActorContext<Command> ctx;
  // Who the subject is: from its recovered state, or its first counts before any rollup.
  private String siteId;
  private String kind;
  private String subjectId;
  // Set by the shard's stop message (see recovered()).
  private boolean stopping;
  private int failedStopWrites;
  private AnomalyBook live;
  private boolean dirty;
  // A write that failed, or null: the book in memory has made its transitions, so they go before
  // the next write's own events, or the anomalies table would never hear of them.
  private UnjournaledWrite<Event> unjournaled;
  private Instant lastRollup;
  private Instant lastReceived;

  private SubjectEntity(
      String id,
      Function<String, Optional<Threshold>> thresholds,
      AnomalySettings settings,
      Clock clock,
      LiveEvents liveEvents,
      TimerScheduler<Command> timers,
      ActorContext<Command> ctx) {
    super(PersistenceId.of(ENTITY_KEY.name(), id), RESTART);
    this.id = id;
    this.thresholds = thresholds;
    this.settings = settings;
    this.clock = clock;
    this.liveEvents = liveEvents;
    this.timers = timers;
    this.ctx = ctx;
    this.lastRollup = clock.instant();
    this.lastReceived = clock.instant();
  }

  @Override
  public State emptyState() {
    return new State(null, null, null, AnomalyBook.EMPTY);
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(JOURNAL.tag(Math.floorMod(id.hashCode(), TAGS)));
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(JOURNAL.snapshotEvery(), JOURNAL.keepSnapshots());
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(AddCounts.class, this::onCounts)
        .onCommand(Tick.class, this::onTick)
        .onCommand(Stop.class, this::onStop)
        .build();
  }

  private Effect<Event, State> onCounts(State state, AddCounts cmd) {
    SubjectRollups.Counts c = cmd.counts();
    siteId = c.siteId();
    kind = c.kind();
    subjectId = c.subjectId();
    AnomalyBook book = live != null ? live : state.book();
    AnomalyBook.Result r =
        book.onCounts(id, c.minute(), c.requests(), c.bots(), thresholds, settings);
    live = r.book();
    dirty = true;
    lastReceived = clock.instant();
    List<Event> events = transitions(r.transitions());
    if (!events.isEmpty()
        || unjournaled != null
        || !lastRollup.plus(ROLLUP_INTERVAL).isAfter(clock.instant())) {
      events.add(rollup());
    }
    return events.isEmpty() ? Effect().none() : write(events);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::recovered)
        .build();
  }

  /**
   * The tick starts after every recovery, not at setup. A restart on a failed write cancels the
   * actor's timers, and a subject whose tick started at setup ticked no more after it, so a quiet
   * spell's minutes were judged, and its book journaled, only when counts came again. As for
   * budgets, when the write on stopping failed the shard still waits for the stop it asked for
   * once. After such a restart the book in memory may not be journaled: it goes with the next
   * rollup rather than being lost, and the transitions of the failed write with the next write,
   * counts or the next tick (see {@link UnjournaledWrite}).
   */
  private void recovered(State state) {
    if (state.siteId() != null) {
      siteId = state.siteId();
      kind = state.kind();
      subjectId = state.subjectId();
    }
    failedStopWrites += stopping ? 1 : 0;
    dirty =
        LivePopulation.journalAgain(
            live != null,
            failedStopWrites,
            LOG,
            () -> "Subject " + id + "'s book" + UnjournaledWrite.andCarried(unjournaled));
    unjournaled =
        dirty
            ? UnjournaledWrite.afterRecovery(
                unjournaled, lastSequenceNumber(ctx), LOG, () -> "Subject " + id)
            : null;
    timers.startTimerWithFixedDelay(Tick.INSTANCE, TICK);
    if (stopping) {
      ctx.getSelf().tell(Stop.INSTANCE);
    }
  }

  private Effect<Event, State> onStop(State state, Stop stop) {
    stopping = true;
    if ((dirty || unjournaled != null) && siteId != null) {
      return write(List.of(rollup())).thenStop();
    }
    return Effect().stop();
  }

  private Effect<Event, State> onTick(State state, Tick tick) {
    if (siteId == null) {
      return Effect().none();
    }
    Instant now = clock.instant();
    AnomalyBook book = live != null ? live : state.book();
    List<Event> events = new ArrayList<>();
    // as for fingerprints: judge a quiet spell only when nothing has arrived for a while
    if (!lastReceived.plus(Duration.ofMinutes(2)).isAfter(now)) {
      String ratio = id.startsWith("site:") ? AnomalyBook.BOT_SHARE : AnomalyBook.ERROR_RATE;
      AnomalyBook.Result r = book.flush(id, now, thresholds, settings, ratio);
      if (r.book() != book) {
        live = r.book();
        dirty = true;
        events.addAll(transitions(r.transitions()));
      }
    }
    if (dirty && !lastRollup.plus(ROLLUP_INTERVAL).isAfter(now)
        || !events.isEmpty()
        || unjournaled != null) {
      events.add(rollup());
    }
    return events.isEmpty() ? Effect().none() : write(events);
  }

  /**
   * Journals {@code fresh} (transitions, then the rollup) after the transitions of a write that
   * failed, and reports them all once journaled.
   */
  private EffectBuilder<Event, State> write(List<Event> fresh) {
    List<Event> events = UnjournaledWrite.events(unjournaled, fresh);
    unjournaled =
        UnjournaledWrite.writing(
            unjournaled, events, lastSequenceNumber(ctx), BookRolledUp.class::isInstance);
    return Effect()
        .persist(events)
        .thenRun(
            s -> {
              unjournaled = null;
              report(events);
            });
  }

  private List<Event> transitions(List<MetricTracker.Transition> ts) {
    List<Event> events = new ArrayList<>();
    for (MetricTracker.Transition t : ts) {
      events.add(
          new AnomalyTransitioned(
              siteId,
              kind,
              subjectId,
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

  private BookRolledUp rollup() {
    dirty = false;
    lastRollup = clock.instant();
    return new BookRolledUp(siteId, kind, subjectId, live);
  }

  private void report(List<Event> events) {
    for (Event e : events) {
      if (e instanceof AnomalyTransitioned a) {
        AnomalyLog.transition(
            liveEvents,
            a.siteId(),
            a.kind(),
            a.subjectId(),
            a.anomalyId(),
            a.change(),
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

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            BookRolledUp.class, (s, e) -> new State(e.siteId(), e.kind(), e.subjectId(), e.book()))
        .onEvent(AnomalyTransitioned.class, (s, e) -> s)
        .build();
  }
}
