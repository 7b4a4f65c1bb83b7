package dev.vigil.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.VigilConfig;
import dev.vigil.ledger.BudgetEntity.AnomalyClosed;
import dev.vigil.ledger.BudgetEntity.AnomalyEscalated;
import dev.vigil.ledger.BudgetEntity.AnomalyOpened;
import dev.vigil.ledger.BudgetEntity.Command;
import dev.vigil.ledger.BudgetEntity.Event;
import dev.vigil.ledger.BudgetEntity.SpendRolledUp;
import dev.vigil.ledger.BudgetEntity.State;
import dev.vigil.ledger.BudgetEntity.Status;
import dev.vigil.ledger.BudgetRules.Spend;
import dev.vigil.testkit.EntityTestKit;
import dev.vigil.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A budget entity: spend told after commits crosses the warning share and then the limit (opening
 * and escalating one anomaly, publishing each crossing, answering deny), recovers its limits and
 * spend, closes its anomaly when a new period starts, and after a failed write goes on rolling up
 * and still stops when passivated.
 */
class BudgetEntityTest {
  private static final ActorTestKit KIT = ActorTestKit.create(EntityTestKit.config());
  private static final ManualTime TIME = ManualTime.get(KIT.system());
  private static final LedgerSettings SETTINGS =
      LedgerSettings.fromConfig(VigilConfig.resolve(VigilConfig.shipped()));
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  private static int ids;

  private MutableClock clock;
  private List<LedgerEvent> published;
  private EventSourcedBehaviorTestKit<Command, Event, State> kit;

  @BeforeEach
  void newBudget() {
    clock = new MutableClock(T0);
    published = new CopyOnWriteArrayList<>();
    String id = new BudgetSubject("shop", "agent", "planner-" + (++ids)).entityId();
    kit =
        EventSourcedBehaviorTestKit.create(
            KIT.system(), BudgetEntity.create(id, SETTINGS, clock, published::add));
  }

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  private Status setDailyLimit(long limit) {
    return kit.<Status>runCommand(
            r -> new BudgetEntity.SetLimits(limit, null, "ops", Spend.NONE, r))
        .reply();
  }

  private Status check() {
    return kit.<Status>runCommand(BudgetEntity.Check::new).reply();
  }

  @Test
  void spendWithoutALimitIsNeverJournaledAndAlwaysAllowed() {
    var result = kit.runCommand(new BudgetEntity.RecordSpend(5_000_000, T0));

    assertThat(result.events()).isEmpty();
    assertThat(check().exceeded()).isFalse();
    assertThat(check().daySpentMicrodollars()).isEqualTo(5_000_000);
  }

  @Test
  void warnsAtTheShareThenGoesCriticalAndDeniesAtTheLimit() {
    setDailyLimit(1_000);

    var warn = kit.runCommand(new BudgetEntity.RecordSpend(800, T0));
    assertThat(warn.events()).hasSize(2).first().isInstanceOf(AnomalyOpened.class);
    assertThat(((AnomalyOpened) warn.events().get(0)).level()).isEqualTo("warning");
    assertThat(((AnomalyOpened) warn.events().get(0)).threshold()).isEqualTo(0.8);
    assertThat(check().exceeded()).isFalse();

    var crossed = kit.runCommand(new BudgetEntity.RecordSpend(250, T0));
    AnomalyEscalated escalated = (AnomalyEscalated) crossed.events().get(0);
    assertThat(escalated.level()).isEqualTo("critical");
    assertThat(escalated.value()).isEqualTo(1.05);
    assertThat(escalated.threshold()).isEqualTo(1.0);
    assertThat(check().exceeded()).isTrue();
    assertThat(check().level()).isEqualTo("critical");

    assertThat(published)
        .extracting(e -> ((LedgerEvent.BudgetCrossed) e).level())
        .containsExactly("warning", "critical");
    LedgerEvent.BudgetCrossed last = (LedgerEvent.BudgetCrossed) published.get(1);
    assertThat(last.siteId()).isEqualTo("shop");
    assertThat(last.subjectKind()).isEqualTo("agent");
    assertThat(last.daySpentMicrodollars()).isEqualTo(1_050);
  }

  @Test
  void recoversItsLimitsSpendAndOpenAnomalyAfterARestart() {
    setDailyLimit(1_000);
    kit.runCommand(new BudgetEntity.RecordSpend(1_200, T0));

    kit.restart();

    assertThat(kit.getState().limits().day()).isEqualTo(1_000);
    assertThat(kit.getState().spend().daySpent()).isEqualTo(1_200);
    assertThat(kit.getState().open().level()).isEqualTo("critical");
    assertThat(check().exceeded()).isTrue();
  }

  @Test
  void aBudgetSetMidPeriodStartsFromTheLedgersSpend() {
    kit.runCommand(new BudgetEntity.RecordSpend(100, T0));

    Status status =
        kit.<Status>runCommand(
                r ->
                    new BudgetEntity.SetLimits(
                        1_000L, null, "ops", new Spend("2026-11-22", 950, "2026-11", 950), r))
            .reply();

    assertThat(status.daySpentMicrodollars()).isEqualTo(950);
    assertThat(status.level()).isEqualTo("warning");
  }

  @Test
  void closesTheAnomalyWhenANewDayStarts() {
    setDailyLimit(1_000);
    kit.runCommand(new BudgetEntity.RecordSpend(1_000, T0));
    assertThat(check().exceeded()).isTrue();

    clock.advance(Duration.ofHours(14)); // 2026-11-23T00:00Z
    TIME.timePasses(SETTINGS.budgetRollupInterval().plusMillis(1));

    assertThat(check().exceeded()).isFalse();
    assertThat(check().daySpentMicrodollars()).isZero();
    assertThat(kit.getState().open()).isNull();
    assertThat(kit.restart().state().open()).isNull();
  }

  @Test
  void raisingTheLimitClosesTheAnomaly() {
    setDailyLimit(1_000);
    kit.runCommand(new BudgetEntity.RecordSpend(1_000, T0));

    var raised =
        kit.<Status>runCommand(
            r -> new BudgetEntity.SetLimits(10_000L, null, "ops", Spend.NONE, r));

    assertThat(raised.events()).hasAtLeastOneElementOfType(AnomalyClosed.class);
    assertThat(raised.reply().exceeded()).isFalse();
  }

  @Test
  void afterAFailedWriteAndItsRestartTheTickStillRollsUpSpend() {
    String id = new BudgetSubject("shop", "agent", "planner-" + (++ids)).entityId();
    String pid = "Budget|" + id;
    PersistenceTestKit journal = PersistenceTestKit.create(KIT.system());
    TestProbe<Status> replies = KIT.createTestProbe();
    ActorRef<Command> budget = KIT.spawn(BudgetEntity.create(id, SETTINGS, clock, published::add));
    budget.tell(new BudgetEntity.SetLimits(1_000_000L, null, "ops", Spend.NONE, replies.ref()));
    replies.receiveMessage();

    // given a write that fails (the database went away): the entity restarts, which cancels an
    // actor's timers; what was sent meanwhile is handled once it has recovered
    journal.failNextPersisted(pid);
    budget.tell(new BudgetEntity.SetLimits(2_000_000L, null, "ops", Spend.NONE, replies.ref()));
    budget.tell(new BudgetEntity.RecordSpend(700, T0));
    budget.tell(new BudgetEntity.Check(replies.ref()));
    replies.awaitAssert(
        Duration.ofSeconds(10),
        () -> {
          TIME.timePasses(Duration.ofSeconds(1)); // the restart's backoff
          Status status = replies.receiveMessage(Duration.ofMillis(200));
          assertThat(status.daySpentMicrodollars()).isEqualTo(700);
          return null;
        });

    // when the rollup interval passes, then the tick journals the spend
    clock.advance(SETTINGS.budgetRollupInterval());
    replies.awaitAssert(
        Duration.ofSeconds(10),
        () -> {
          TIME.timePasses(SETTINGS.budgetRollupInterval());
          assertThat(journal.persistedInStorage(pid))
              .anySatisfy(
                  e ->
                      assertThat(e)
                          .isInstanceOfSatisfying(
                              SpendRolledUp.class,
                              r -> assertThat(r.spend().daySpent()).isEqualTo(700)));
          return null;
        });
  }

  @Test
  void whenTheWriteOnStoppingFailsItRestartsAndStillStops() {
    String id = new BudgetSubject("shop", "agent", "planner-" + (++ids)).entityId();
    PersistenceTestKit journal = PersistenceTestKit.create(KIT.system());
    TestProbe<Status> replies = KIT.createTestProbe();
    ActorRef<Command> budget = KIT.spawn(BudgetEntity.create(id, SETTINGS, clock, published::add));
    budget.tell(new BudgetEntity.SetLimits(1_000_000L, null, "ops", Spend.NONE, replies.ref()));
    replies.receiveMessage();
    budget.tell(new BudgetEntity.RecordSpend(700, T0));
    budget.tell(new BudgetEntity.Check(replies.ref()));
    replies.receiveMessage();

    // when the rollup written on stopping fails (the shard sends its stop message only once, and
    // holds the entity's messages until it has terminated)
    journal.failNextPersisted("Budget|" + id);
    budget.tell(BudgetEntity.Passivate.INSTANCE);

    // then the entity restarts from its journal after a backoff and stops, rather than living on
    // unreachable
    replies.awaitAssert(
        Duration.ofSeconds(10),
        () -> {
          TIME.timePasses(Duration.ofSeconds(1));
          replies.expectTerminated(budget, Duration.ofMillis(200));
          return null;
        });
    // and the spend the failed write carried was journaled on the second stop, not forgotten
    assertThat(journal.persistedInStorage("Budget|" + id))
        .anySatisfy(
            e ->
                assertThat(e)
                    .isInstanceOfSatisfying(
                        SpendRolledUp.class, r -> assertThat(r.spend().daySpent()).isEqualTo(700)));
  }
}
