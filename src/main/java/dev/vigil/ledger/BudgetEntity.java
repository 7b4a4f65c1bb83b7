package dev.vigil.ledger;

import dev.vigil.CborSerializable;
import dev.vigil.anomaly.AnomalyLog;
import dev.vigil.anomaly.Level;
import dev.vigil.anomaly.MetricTracker.Transition;
import dev.vigil.cluster.LivePopulation;
import dev.vigil.db.JournalTrimming;
import dev.vigil.ledger.BudgetRules.Limits;
import dev.vigil.ledger.BudgetRules.Spend;
import dev.vigil.stream.LiveEvents;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The budget of one subject (a site, or an agent or user of a site): its day and month limits and
 * what it has spent. It learns spend from the ledger after each commit and answers {@code GET
 * /v1/ai/budget} from memory. Journaled: limit changes, anomaly transitions (opened at the warning
 * share or the limit, escalated, closed when a new period or a raised limit brings it back under)
 * and rollups of the spend, at most every {@code budget-rollup-interval} and at passivation. Only
 * subjects with a limit journal anything. Snapshots every {@code SNAPSHOT_EVERY} events, keeping
 * two: an active budget rolls up all day and its journal stays short.
 *
 * <p>A node keeps at most {@code vigil.ledger.budget-max-live} of them in memory ({@link
 * LivePopulation}): agent and user ids come from the ledger's writers, so their number is the
 * writers' to choose.
 */
public final class BudgetEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        BudgetEntity.Command, BudgetEntity.Event, BudgetEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "Budget");
  private static final Logger LOG = LoggerFactory.getLogger(BudgetEntity.class);
  static final int TAGS = 2;
  static final int SNAPSHOT_EVERY = 100;

  /** Its journal: read by the budgets projection, trimmed by {@link JournalTrimming}. */
  public static final JournalTrimming.Journal JOURNAL =
      new JournalTrimming.Journal("budgets", "budget-", TAGS, SNAPSHOT_EVERY, 2);

  /** One immutable strategy for every entity (a strategy per entity was ~130 bytes each). */
  private static final BackoffSupervisorStrategy RESTART =
      SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1);

  /** Messages the entity accepts. */
  public sealed interface Command extends CborSerializable {}

  /** Stored, non-synthetic calls of this subject cost this much (told after the commit). */
  public record RecordSpend(long microdollars, Instant startedAt) implements Command {}

  public record Check(ActorRef<Status> replyTo) implements Command {}

  /**
   * Sets the limits (null: none for that period). {@code known} is the spend so far read from the
   * ledger, for a budget set in the middle of a period; the larger figure of it and the entity's is
   * kept.
   */
  public record SetLimits(Long day, Long month, String by, Spend known, ActorRef<Status> replyTo)
      implements Command {}

  /** Sharding's stop message: journal the last spend, then stop. */
  public enum Passivate implements Command {
    INSTANCE
  }

  private enum Tick implements Command {
    INSTANCE
  }

  /** The answer to a check or a change: limits, spend now, whether it is over budget. */
  public record Status(
      String siteId,
      String subjectKind,
      String subjectId,
      Long dayLimitMicrodollars,
      Long monthLimitMicrodollars,
      String day,
      long daySpentMicrodollars,
      String month,
      long monthSpentMicrodollars,
      boolean exceeded,
      String level)
      implements CborSerializable {}

  /** Journaled facts. */
  public sealed interface Event extends CborSerializable {}

  public record LimitsSet(Long day, Long month, String by, Instant at) implements Event {}

  /** The spend at a moment, and its share of the limit then. */
  public record SpendRolledUp(Spend spend, double value, Instant at) implements Event {}

  public record AnomalyOpened(
      String anomalyId, String level, double value, double threshold, Instant at)
      implements Event {}

  public record AnomalyEscalated(String level, double value, double threshold, Instant at)
      implements Event {}

  public record AnomalyClosed(double value, Instant at) implements Event {}

  /** The journaled state; {@code open} is the subject's open cost anomaly, if any. */
  public record State(Limits limits, Spend spend, OpenAnomaly open) implements CborSerializable {
    static final State EMPTY = new State(Limits.NONE, Spend.NONE, null);
  }

  public record OpenAnomaly(String anomalyId, String level, Instant openedAt)
      implements CborSerializable {}

  /**
   * What a live budget holds, for {@code auto}: 4.2 KB measured for a budget after its first spend
   * ({@code dev.vigil.testkit.EntityHeap}, without sharding's share), rounded up for sharding,
   * limits and an open anomaly.
   */
  static final long BYTES_PER_BUDGET = 8 * 1024;

  /** The share of the heap that {@code budget-max-live = auto} gives to budgets. */
  static final double HEAP_SHARE = 0.05;

  public static void init(
      ActorSystem<?> system, LedgerSettings settings, Clock clock, Consumer<LedgerEvent> publish) {
    ClusterSharding.get(system)
        .init(
            Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), settings, clock, publish))
                .withStopMessage(Passivate.INSTANCE)
                .withSettings(
                    LivePopulation.settings(
                        system,
                        "vigil.ledger.budget-max-live",
                        HEAP_SHARE,
                        BYTES_PER_BUDGET,
                        "Budgets")));
  }

  public static Behavior<Command> create(
      String entityId, LedgerSettings settings, Clock clock, Consumer<LedgerEvent> publish) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new BudgetEntity(
                        entityId,
                        settings,
                        clock,
                        publish,
                        LiveEvents.get(ctx.getSystem()),
                        timers,
                        ctx.getSelf())));
  }

  public static String tagFor(String entityId) {
    return JOURNAL.tag(Math.floorMod(entityId.hashCode(), TAGS));
  }

  private final String entityId;
  private final BudgetSubject subject;
  private final double warningRatio;
  private final Duration rollupInterval;
  private final Clock clock;
  private final Consumer<LedgerEvent> publish;
  private final LiveEvents liveEvents;
  private final TimerScheduler<Command> timers;
  private final ActorRef<Command> self;
  // Set by the shard's stop message (see recovered()).
  private boolean stopping;
  private int failedStopWrites;
  // Spend since the last rollup lives in memory only, like a session's activity.
  private Spend live;
  private boolean dirty;
  private Instant lastRollup;

  private BudgetEntity(
      String entityId,
      LedgerSettings settings,
      Clock clock,
      Consumer<LedgerEvent> publish,
      LiveEvents liveEvents,
      TimerScheduler<Command> timers,
      ActorRef<Command> self) {
    super(PersistenceId.of(ENTITY_KEY.name(), entityId), RESTART);
    this.entityId = entityId;
    this.subject = BudgetSubject.ofEntityId(entityId);
    this.warningRatio = settings.budgetWarningRatio();
    this.rollupInterval = settings.budgetRollupInterval();
    this.clock = clock;
    this.publish = publish;
    this.liveEvents = liveEvents;
    this.timers = timers;
    this.self = self;
    this.lastRollup = clock.instant();
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(tagFor(entityId));
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(JOURNAL.snapshotEvery(), JOURNAL.keepSnapshots());
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(RecordSpend.class, this::onRecordSpend)
        .onCommand(Check.class, this::onCheck)
        .onCommand(SetLimits.class, this::onSetLimits)
        .onCommand(Tick.class, this::onTick)
        .onCommand(Passivate.class, this::onPassivate)
        .build();
  }

  private ReplyEffect<Event, State> onRecordSpend(State state, RecordSpend cmd) {
    Instant now = clock.instant();
    live = spend(state, now).plus(cmd.microdollars(), cmd.startedAt(), now);
    dirty = true;
    List<Event> events = transitions(state, state.limits(), now);
    return events.isEmpty()
        ? Effect().noReply()
        : Effect().persist(events).thenRun(after -> announce(events, after)).thenNoReply();
  }

  private ReplyEffect<Event, State> onCheck(State state, Check cmd) {
    Instant now = clock.instant();
    live = spend(state, now);
    return Effect().reply(cmd.replyTo(), status(state.limits(), live));
  }

  private ReplyEffect<Event, State> onSetLimits(State state, SetLimits cmd) {
    Instant now = clock.instant();
    Limits limits = new Limits(cmd.day(), cmd.month());
    live = spend(state, now).max(cmd.known().at(now));
    List<Event> events = new ArrayList<>();
    events.add(new LimitsSet(cmd.day(), cmd.month(), cmd.by(), now));
    events.addAll(transitions(state, limits, now));
    if (events.size() == 1) {
      events.add(rollup(limits, now));
    }
    return Effect()
        .persist(events)
        .thenRun(after -> announce(events, after))
        .thenReply(cmd.replyTo(), s -> status(s.limits(), live));
  }

  private ReplyEffect<Event, State> onTick(State state, Tick tick) {
    if (!state.limits().any()) {
      return Effect().noReply();
    }
    Instant now = clock.instant();
    live = spend(state, now);
    List<Event> events = transitions(state, state.limits(), now);
    if (events.isEmpty() && dirty && !lastRollup.plus(rollupInterval).isAfter(now)) {
      events.add(rollup(state.limits(), now));
    }
    return events.isEmpty()
        ? Effect().noReply()
        : Effect().persist(events).thenRun(after -> announce(events, after)).thenNoReply();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::recovered)
        .build();
  }

  /**
   * As for sessions: a restart on a failed write cancels the timers (a tick started at setup never
   * came back, and spend was rolled up only at passivation), and when the write on stopping failed
   * the shard still holds the budget's messages for the termination it asked for once. After such a
   * restart the spend in memory may not be journaled (a rollup clears dirty as it is built), so it
   * is journaled again rather than lost.
   */
  private void recovered(State state) {
    failedStopWrites += stopping ? 1 : 0;
    dirty =
        LivePopulation.journalAgain(
            live != null, failedStopWrites, LOG, () -> "Budget " + entityId + "'s spend");
    timers.startTimerWithFixedDelay(Tick.INSTANCE, rollupInterval);
    if (stopping) {
      self.tell(Passivate.INSTANCE);
    }
  }

  private ReplyEffect<Event, State> onPassivate(State state, Passivate stop) {
    stopping = true; // see recovered()
    if (dirty && state.limits().any()) {
      return Effect().persist(rollup(state.limits(), clock.instant())).thenStop().thenNoReply();
    }
    return Effect().stop().thenNoReply();
  }

  /** The anomaly transition the spend now calls for, with a rollup; empty when none. */
  private List<Event> transitions(State state, Limits limits, Instant now) {
    Level level = BudgetRules.level(limits, live, warningRatio);
    double value = BudgetRules.ratio(limits, live);
    double threshold = BudgetRules.threshold(level, warningRatio);
    OpenAnomaly open = state.open();
    Event transition = null;
    if (open == null && level != Level.NONE) {
      String id = "an_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
      transition = new AnomalyOpened(id, level.wire(), value, threshold, now);
    } else if (open != null
        && level == Level.CRITICAL
        && open.level().equals(Level.WARNING.wire())) {
      transition = new AnomalyEscalated(level.wire(), value, threshold, now);
    } else if (open != null && level == Level.NONE) {
      transition = new AnomalyClosed(value, now);
    }
    if (transition == null) {
      return new ArrayList<>();
    }
    return new ArrayList<>(List.of(transition, rollup(limits, now)));
  }

  private SpendRolledUp rollup(Limits limits, Instant now) {
    dirty = false;
    lastRollup = now;
    return new SpendRolledUp(live, BudgetRules.ratio(limits, live), now);
  }

  /**
   * Once journaled: the SIEM line of each anomaly transition (budgets have no baseline: 0), and a
   * crossing (opened or escalated) published for the live streams.
   */
  private void announce(List<Event> journaled, State state) {
    for (Event e : journaled) {
      if (e instanceof AnomalyOpened o) {
        siem(o.anomalyId(), Transition.Kind.OPENED, o.level(), o.value(), o.threshold(), o.at());
      } else if (e instanceof AnomalyEscalated o && state.open() != null) {
        siem(
            state.open().anomalyId(),
            Transition.Kind.ESCALATED,
            o.level(),
            o.value(),
            o.threshold(),
            o.at());
      } else if (e instanceof AnomalyClosed o) {
        siem("", Transition.Kind.CLOSED, Level.NONE.wire(), o.value(), 0, o.at());
      }
    }
    OpenAnomaly open = state.open();
    boolean crossed =
        journaled.stream()
            .anyMatch(e -> e instanceof AnomalyOpened || e instanceof AnomalyEscalated);
    if (!crossed || open == null) {
      return;
    }
    Spend s = state.spend();
    publish.accept(
        new LedgerEvent.BudgetCrossed(
            subject.siteId(),
            subject.kind(),
            subject.anomalySubjectId(),
            open.level(),
            BudgetRules.ratio(state.limits(), s),
            state.limits().day(),
            s.daySpent(),
            state.limits().month(),
            s.monthSpent(),
            clock.instant()));
  }

  private void siem(
      String anomalyId,
      Transition.Kind kind,
      String level,
      double value,
      double threshold,
      Instant at) {
    AnomalyLog.transition(
        liveEvents,
        subject.siteId(),
        subject.kind(),
        subject.anomalySubjectId(),
        anomalyId,
        kind,
        BudgetProjection.METRIC,
        Level.valueOf(level.toUpperCase(java.util.Locale.ROOT)),
        value,
        0,
        threshold,
        value,
        at);
  }

  private Spend spend(State state, Instant now) {
    return (live != null ? live : state.spend()).at(now);
  }

  private Status status(Limits limits, Spend s) {
    return new Status(
        subject.siteId(),
        subject.kind(),
        subject.id(),
        limits.day(),
        limits.month(),
        s.day(),
        s.daySpent(),
        s.month(),
        s.monthSpent(),
        BudgetRules.exceeded(limits, s),
        BudgetRules.level(limits, s, warningRatio).wire());
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            LimitsSet.class,
            (s, e) -> new State(new Limits(e.day(), e.month()), s.spend(), s.open()))
        .onEvent(SpendRolledUp.class, (s, e) -> new State(s.limits(), e.spend(), s.open()))
        .onEvent(
            AnomalyOpened.class,
            (s, e) ->
                new State(s.limits(), s.spend(), new OpenAnomaly(e.anomalyId(), e.level(), e.at())))
        .onEvent(
            AnomalyEscalated.class,
            (s, e) ->
                new State(
                    s.limits(),
                    s.spend(),
                    new OpenAnomaly(s.open().anomalyId(), e.level(), s.open().openedAt())))
        .onEvent(AnomalyClosed.class, (s, e) -> new State(s.limits(), s.spend(), null))
        .build();
  }
}
