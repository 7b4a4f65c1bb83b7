package dev.vigil.fingerprint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.VigilConfig;
import dev.vigil.anomaly.AnomalySettings;
import dev.vigil.anomaly.ThresholdDirectory;
import dev.vigil.detection.DetectionSettings;
import dev.vigil.detection.FiredSignal;
import dev.vigil.detection.ImmediateClass;
import dev.vigil.detection.Signal;
import dev.vigil.detection.ThrottleLevel;
import dev.vigil.fingerprint.FingerprintEntity.Command;
import dev.vigil.fingerprint.FingerprintEntity.Event;
import dev.vigil.fingerprint.FingerprintEntity.SignalsRolledUp;
import dev.vigil.fingerprint.FingerprintEntity.State;
import dev.vigil.fingerprint.FingerprintEntity.ThrottleChanged;
import dev.vigil.session.SessionEntity;
import dev.vigil.testkit.EntityTestKit;
import dev.vigil.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
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
 * The fingerprint entity: answers from memory, journals transitions (not every request), tells a
 * session when its class changes, recovers its level, and cools down on its timer.
 */
class FingerprintEntityTest {
  private static final ActorTestKit KIT = ActorTestKit.create(EntityTestKit.config());
  private static final ManualTime TIME = ManualTime.get(KIT.system());
  private static final DetectionSettings SETTINGS =
      DetectionSettings.fromConfig(VigilConfig.resolve(VigilConfig.shipped()));
  private static final AnomalySettings ANOMALIES =
      AnomalySettings.fromConfig(VigilConfig.resolve(VigilConfig.shipped()));
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  private static int ids;

  private MutableClock clock;
  private TestProbe<SessionEntity.Command> sessions;
  private String id;
  private EventSourcedBehaviorTestKit<Command, Event, State> kit;

  @BeforeEach
  void newFingerprint() {
    clock = new MutableClock(T0);
    sessions = KIT.createTestProbe();
    id = "f1_00000000000000" + String.format("%02d", ++ids);
    kit =
        EventSourcedBehaviorTestKit.create(
            KIT.system(),
            FingerprintEntity.create(
                id,
                SETTINGS,
                clock,
                s -> sessions.ref(),
                ThresholdDirectory.of(List.of()),
                ANOMALIES));
  }

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void anAllowedBrowserRequestAfterTheFirstIsAnsweredWithoutJournaling() {
    kit.<Decision>runCommand(r -> assess("s-1", true, T0, null, "human", r));

    var second =
        kit.<Decision>runCommand(r -> assess("s-1", false, T0.plusSeconds(5), null, "human", r));

    assertThat(second.reply().action()).isEqualTo(Decision.Action.ALLOW);
    assertThat(second.events()).isEmpty();
    sessions.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void whenPassivatedItJournalsTheSignalsOfItsRequestsSinceTheLastRollupBeforeItStops() {
    TestProbe<Decision> decisions = KIT.createTestProbe();
    ActorRef<Command> entity = spawn();
    entity.tell(assess("s-1", true, T0, null, "human", decisions.ref()));
    decisions.receiveMessage();
    entity.tell(assess("s-1", false, T0.plusSeconds(5), null, "human", decisions.ref()));
    decisions.receiveMessage();
    entity.tell(assess("s-2", true, T0.plusSeconds(6), null, "human", decisions.ref()));
    decisions.receiveMessage();
    PersistenceTestKit journal = PersistenceTestKit.create(KIT.system());
    int journaled = journal.persistedInStorage("Fingerprint|" + id).size();

    // the shard's stop message: passivated as idle or beyond max-live
    entity.tell(FingerprintEntity.Stop.INSTANCE);

    decisions.expectTerminated(entity);
    List<Object> events = journal.persistedInStorage("Fingerprint|" + id);
    assertThat(events).hasSize(journaled + 1);
    SignalsRolledUp rollup = (SignalsRolledUp) events.get(events.size() - 1);
    assertThat(rollup.requests()).isEqualTo(3);
    // and with nothing new since, a second incarnation stops without a write
    ActorRef<Command> again = spawn();
    again.tell(FingerprintEntity.Stop.INSTANCE);
    decisions.expectTerminated(again);
    assertThat(journal.persistedInStorage("Fingerprint|" + id)).hasSize(journaled + 1);
  }

  @Test
  void whenTheWriteOnStoppingFailsItRestartsAndStillStops() {
    TestProbe<Decision> decisions = KIT.createTestProbe();
    ActorRef<Command> entity = spawn();
    entity.tell(assess("s-1", true, T0, null, "human", decisions.ref()));
    decisions.receiveMessage();
    entity.tell(assess("s-1", false, T0.plusSeconds(5), null, "human", decisions.ref()));
    decisions.receiveMessage();
    PersistenceTestKit journal = PersistenceTestKit.create(KIT.system());
    String pid = "Fingerprint|" + id;
    int journaled = journal.persistedInStorage(pid).size();

    // when the rollup written on stopping fails (the shard sends its stop message only once, and
    // holds the entity's messages until it has terminated)
    journal.failNextPersisted(pid);
    entity.tell(FingerprintEntity.Stop.INSTANCE);

    // then the entity restarts from its journal after a backoff and stops, rather than living on
    // unreachable
    KIT.createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(10),
            () -> {
              TIME.timePasses(Duration.ofSeconds(1));
              decisions.expectTerminated(entity, Duration.ofMillis(200));
              return null;
            });
    // and the signals the failed write carried were journaled on the second stop, not forgotten
    List<Object> events = journal.persistedInStorage(pid);
    assertThat(events).hasSize(journaled + 1);
    assertThat(((SignalsRolledUp) events.get(events.size() - 1)).requests()).isEqualTo(2);
  }

  @Test
  void aPinWhoseWriteFailedIsJournaledWithTheNextWriteAsTheLiveStateAppliesIt() {
    TestProbe<Decision> decisions = KIT.createTestProbe();
    ActorRef<Command> entity = spawn();
    entity.tell(assess("s-1", true, T0, null, "human", decisions.ref()));
    decisions.receiveMessage();
    PersistenceTestKit journal = PersistenceTestKit.create(KIT.system());
    String pid = "Fingerprint|" + id;
    journal.expectNextPersistedClass(pid, FingerprintEntity.FirstSeen.class); // (answered first)

    // when the write of a pin fails (the operator's call gets no answer), the entity restarts with
    // the pin in its live state, which its answers apply from then on
    journal.failNextPersisted(pid);
    entity.tell(
        new FingerprintEntity.SetPin(
            ThrottleLevel.SEVERE, "ops", KIT.<State>createTestProbe().ref()));

    // then the pin is journaled after all, ahead of a rollup that holds it: the fingerprints table
    // is projected from PinChanged and would otherwise never show the pin the device is held to
    awaitJournaled(
        journal,
        pid,
        events -> {
          int pin = indexOf(events, FingerprintEntity.PinChanged.class);
          assertThat(pin).isNotNegative();
          assertThat((FingerprintEntity.PinChanged) events.get(pin))
              .extracting(FingerprintEntity.PinChanged::pinned, FingerprintEntity.PinChanged::by)
              .containsExactly(ThrottleLevel.SEVERE, "ops");
          assertThat(events.get(pin + 1))
              .isInstanceOfSatisfying(
                  SignalsRolledUp.class,
                  r -> assertThat(r.throttle().pinned()).isEqualTo(ThrottleLevel.SEVERE));
        });
  }

  @Test
  void aFirstSightWhoseWriteFailedIsJournaledWithTheBlockItAnswered() {
    // given a journal that fails the first write: first seen, blocked as a scanner, its rollup
    TestProbe<Decision> decisions = KIT.createTestProbe();
    PersistenceTestKit journal = PersistenceTestKit.create(KIT.system());
    String pid = "Fingerprint|" + id;
    journal.failNextPersisted(pid);
    ActorRef<Command> entity = spawn();
    ImmediateClass scanner = new ImmediateClass(ImmediateClass.Kind.SCANNER, "/.env");
    entity.tell(assess("s-1", true, T0, scanner, "human", decisions.ref()));
    assertThat(decisions.receiveMessage().action()).isEqualTo(Decision.Action.BLOCK);

    // then the device's first sight and its block are journaled after the restart, once each and
    // in order, though nothing more came from it: the block is what its answers apply
    awaitJournaled(
        journal,
        pid,
        events -> {
          assertThat(events).first().isInstanceOf(FingerprintEntity.FirstSeen.class);
          assertThat(events).filteredOn(FingerprintEntity.FirstSeen.class::isInstance).hasSize(1);
          assertThat(events)
              .filteredOn(ThrottleChanged.class::isInstance)
              .containsExactly(
                  new ThrottleChanged(
                      ThrottleLevel.NORMAL, ThrottleLevel.BLOCKED, "scanner:/.env", T0));
          // and so is its class, which no later request without a scanner's path could give back
          assertThat(events)
              .filteredOn(FingerprintEntity.Classified.class::isInstance)
              .singleElement()
              .isInstanceOfSatisfying(
                  FingerprintEntity.Classified.class,
                  c -> assertThat(c.immediate()).isEqualTo(scanner));
        });
    // and its answers still block it
    entity.tell(assess("s-1", false, T0.plusSeconds(1), null, "human", decisions.ref()));
    assertThat(decisions.receiveMessage().action()).isEqualTo(Decision.Action.BLOCK);
  }

  @Test
  void aScannerIsBlockedAtOnceTheTransitionJournaledAndTheSessionTold() {
    var result =
        kit.<Decision>runCommand(
            r ->
                assess(
                    "s-1",
                    true,
                    T0,
                    new ImmediateClass(ImmediateClass.Kind.SCANNER, "/.env"),
                    "human",
                    r));

    assertThat(result.reply().action()).isEqualTo(Decision.Action.BLOCK);
    assertThat(result.reply().retryAfterSeconds()).isEqualTo(3600);
    assertThat(result.events())
        .contains(
            new ThrottleChanged(ThrottleLevel.NORMAL, ThrottleLevel.BLOCKED, "scanner:/.env", T0));
    SessionEntity.Classify told = (SessionEntity.Classify) sessions.receiveMessage();
    assertThat(told.sessionClass()).isEqualTo("scanner");
  }

  @Test
  void recoversItsLevelAndPinAfterARestart() {
    kit.<Decision>runCommand(
        r ->
            assess(
                "s-1",
                true,
                T0,
                new ImmediateClass(ImmediateClass.Kind.AUTOMATION_TOOL, "curl"),
                "human",
                r));
    kit.<State>runCommand(r -> new FingerprintEntity.SetPin(ThrottleLevel.SEVERE, "ops", r));

    kit.restart();

    assertThat(kit.getState().throttle().level()).isEqualTo(ThrottleLevel.BLOCKED);
    assertThat(kit.getState().throttle().pinned()).isEqualTo(ThrottleLevel.SEVERE);
    assertThat(kit.getState().throttle().effective()).isEqualTo(ThrottleLevel.SEVERE);
    assertThat(kit.getState().escalations()).isEqualTo(1);
    assertThat(kit.getState().reputation()).isEqualTo(40);
  }

  @Test
  void aBotSessionOfABlockedDeviceRestartsTheCooldownWithoutATransition() {
    // given a device blocked at T0
    kit.<Decision>runCommand(
        r ->
            assess(
                "s-1",
                true,
                T0,
                new ImmediateClass(ImmediateClass.Kind.SCANNER, "/.env"),
                "human",
                r));
    Instant later = T0.plus(Duration.ofMinutes(10));

    // when one of its new sessions is a behavioural bot
    var result =
        kit.<Decision>runCommand(
            r ->
                new FingerprintEntity.Assess(
                    "shop",
                    new Assessor.Input(
                        "s-2",
                        true,
                        later,
                        "198.51.100.7",
                        true,
                        false,
                        List.of(
                            new FiredSignal(Signal.HIGH_VELOCITY, 30),
                            new FiredSignal(Signal.HIGH_REQUEST_COUNT, 30)),
                        null,
                        "human",
                        true),
                    0,
                    r));

    // then it stays blocked for a full cooldown from now, and nothing pretends the level changed
    assertThat(result.reply().action()).isEqualTo(Decision.Action.BLOCK);
    assertThat(result.reply().retryAfterSeconds()).isEqualTo(3600);
    assertThat(result.events()).noneMatch(e -> e instanceof ThrottleChanged);
    kit.restart();
    assertThat(kit.getState().escalations()).isEqualTo(1);
    assertThat(kit.getState().reputation()).isEqualTo(40);
  }

  @Test
  void coolsDownOneLevelOnItsTimerAfterTheBlockedCooldown() {
    kit.<Decision>runCommand(
        r ->
            assess(
                "s-1",
                true,
                T0,
                new ImmediateClass(ImmediateClass.Kind.SCANNER, "nikto"),
                "human",
                r));

    clock.advance(Duration.ofMinutes(61));
    TIME.timePasses(Duration.ofSeconds(11));

    PersistenceTestKit journal = PersistenceTestKit.create(KIT.system());
    TestProbe<Object> wait = KIT.createTestProbe();
    wait.awaitAssert(
        () -> {
          List<Object> events = journal.persistedInStorage("Fingerprint|" + id);
          assertThat(events)
              .anySatisfy(
                  e ->
                      assertThat(e)
                          .isEqualTo(
                              new ThrottleChanged(
                                  ThrottleLevel.BLOCKED,
                                  ThrottleLevel.SEVERE,
                                  "cooldown",
                                  T0.plus(Duration.ofMinutes(61)))));
          return null;
        });
  }

  /** Moves both clocks on (a restart's backoff, then ticks) until the journal satisfies a check. */
  private void awaitJournaled(
      PersistenceTestKit journal, String pid, Consumer<List<Object>> check) {
    KIT.createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(10),
            () -> {
              clock.advance(Duration.ofSeconds(31));
              TIME.timePasses(Duration.ofSeconds(10));
              check.accept(journal.persistedInStorage(pid));
              return null;
            });
  }

  private static int indexOf(List<Object> events, Class<?> type) {
    for (int i = 0; i < events.size(); i++) {
      if (type.isInstance(events.get(i))) {
        return i;
      }
    }
    return -1;
  }

  /** The entity as an actor of its own (the kit's holds the same id), to stop it. */
  private ActorRef<Command> spawn() {
    return KIT.spawn(
        FingerprintEntity.create(
            id, SETTINGS, clock, s -> sessions.ref(), ThresholdDirectory.of(List.of()), ANOMALIES));
  }

  private static FingerprintEntity.Assess assess(
      String session,
      boolean newSession,
      Instant at,
      ImmediateClass immediate,
      String sessionClass,
      org.apache.pekko.actor.typed.ActorRef<Decision> replyTo) {
    return new FingerprintEntity.Assess(
        "shop",
        new Assessor.Input(
            session,
            newSession,
            at,
            "198.51.100.7",
            true,
            false,
            List.of(),
            immediate,
            sessionClass,
            true),
        0,
        replyTo);
  }
}
