package dev.vigil.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.VigilConfig;
import dev.vigil.detection.DetectionSettings;
import dev.vigil.engagement.ClientInfo;
import dev.vigil.engagement.EventType;
import dev.vigil.session.Activity.PageSignal;
import dev.vigil.session.SessionEntity.ActivityRolledUp;
import dev.vigil.session.SessionEntity.Command;
import dev.vigil.session.SessionEntity.Event;
import dev.vigil.session.SessionEntity.SessionConverted;
import dev.vigil.session.SessionEntity.SessionEnded;
import dev.vigil.session.SessionEntity.SessionStarted;
import dev.vigil.session.SessionEntity.State;
import dev.vigil.session.SessionEntity.UserIdentified;
import dev.vigil.testkit.EntityTestKit;
import dev.vigil.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The session entity: what it journals (transitions and rollups, not every beacon), what it keeps
 * live, when it ends, and that it recovers from its snapshots. Timers run on manual time, the
 * entity's clock moves with it.
 */
class SessionEntityTest {
  private static final ActorTestKit KIT = ActorTestKit.create(EntityTestKit.config());
  private static final ManualTime TIME = ManualTime.get(KIT.system());
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  private static final SessionSettings SETTINGS =
      new SessionSettings(
          Duration.ofMinutes(30),
          Duration.ofSeconds(10),
          4,
          4,
          Duration.ofMinutes(1),
          1000,
          Duration.ofSeconds(5),
          100_000);
  private static final DetectionSettings DETECTION =
      DetectionSettings.fromConfig(VigilConfig.resolve(VigilConfig.shipped()));
  private static final ClientInfo CHROME =
      new ClientInfo("Desktop", "Chrome 131", "Linux", "Browser");
  private static int sessions;

  private MutableClock clock;
  private String sessionId;
  private EventSourcedBehaviorTestKit<Command, Event, State> kit;

  @BeforeEach
  void newSession() {
    clock = new MutableClock(T0);
    sessionId = "sess-test-" + (++sessions);
    kit =
        EventSourcedBehaviorTestKit.create(
            KIT.system(), SessionEntity.create(sessionId, null, SETTINGS, DETECTION, null, clock));
  }

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void firstBatchStartsTheSessionAtItsLandingPageAndJournalsTheTotals() {
    var result =
        kit.<Done>runCommand(
            replyTo ->
                record(
                    replyTo,
                    pageView("https://shop.example/landing?utm_source=news", "/landing", 0),
                    scroll(1)));

    assertThat(result.reply()).isEqualTo(Done.getInstance());
    assertThat(result.events()).hasSize(2);
    SessionStarted started = (SessionStarted) result.events().get(0);
    assertThat(started.landing().path()).isEqualTo("/landing");
    assertThat(started.landing().utmSource()).isEqualTo("news");
    assertThat(started.startedAt()).isEqualTo(T0);
    assertThat(started.client()).isEqualTo(CHROME);
    ActivityRolledUp rollup = (ActivityRolledUp) result.events().get(1);
    assertThat(rollup.totals().pageViews()).isEqualTo(1);
    assertThat(rollup.totals().beacons()).isEqualTo(2);
    assertThat(result.state().siteId()).isEqualTo("shop");
  }

  @Test
  void beaconsWithinTheRollupIntervalAreLiveButNotJournaled() {
    kit.<Done>runCommand(replyTo -> record(replyTo, pageView("https://shop.example/a", "/a", 0)));

    clock.advance(Duration.ofSeconds(3));
    var second = kit.<Done>runCommand(replyTo -> record(replyTo, pageExit(3, 12_000, 80, 4, 1, 1)));

    assertThat(second.events()).isEmpty();
    var view = kit.<SessionEntity.SessionView>runCommand(SessionEntity.GetSession::new).reply();
    assertThat(view.liveActivity().timeOnPageMs()).isEqualTo(12_000);
    assertThat(view.liveActivity().rageClicks()).isEqualTo(1);
    assertThat(view.state().totals().timeOnPageMs()).isZero();
  }

  @Test
  void theTimerJournalsPendingActivityOnceTheRollupIntervalHasPassed() {
    kit.<Done>runCommand(replyTo -> record(replyTo, pageView("https://shop.example/a", "/a", 0)));
    kit.<Done>runCommand(replyTo -> record(replyTo, pageExit(3, 12_000, 80, 4, 1, 1)));

    clock.advance(Duration.ofSeconds(11));
    TIME.timePasses(Duration.ofSeconds(11));

    PersistenceTestKit journal = PersistenceTestKit.create(KIT.system());
    String pid = "Session|" + sessionId;
    org.apache.pekko.actor.testkit.typed.javadsl.TestProbe<Object> wait = KIT.createTestProbe();
    wait.awaitAssert(
        () -> {
          List<Object> events = journal.persistedInStorage(pid);
          ActivityRolledUp last = (ActivityRolledUp) events.get(events.size() - 1);
          assertThat(last.totals().timeOnPageMs()).isEqualTo(12_000);
          assertThat(last.totals().maxScrollDepth()).isEqualTo(80);
          assertThat(last.totals().clicks()).isEqualTo(4);
          return null;
        });
  }

  @Test
  void whenPassivatedItJournalsItsPendingActivityBeforeItStops() {
    TestProbe<Done> done = KIT.createTestProbe();
    ActorRef<Command> entity =
        KIT.spawn(SessionEntity.create(sessionId, null, SETTINGS, DETECTION, null, clock));
    entity.tell(record(done.ref(), pageView("https://shop.example/a", "/a", 0)));
    done.expectMessage(Done.getInstance());
    clock.advance(Duration.ofSeconds(3));
    entity.tell(record(done.ref(), pageExit(3, 12_000, 80, 4, 1, 1)));
    done.expectMessage(Done.getInstance());

    // the shard's stop message: passivated as idle, ended or beyond max-live
    entity.tell(SessionEntity.Stop.INSTANCE);

    done.expectTerminated(entity);
    List<Object> events =
        PersistenceTestKit.create(KIT.system()).persistedInStorage("Session|" + sessionId);
    assertThat(events).hasSize(3); // started, its rollup, and the rollup on stopping
    ActivityRolledUp rollup = (ActivityRolledUp) events.get(2);
    assertThat(rollup.totals().timeOnPageMs()).isEqualTo(12_000);
    assertThat(rollup.totals().rageClicks()).isEqualTo(1);
    // and the session recovered on its next input has it
    kit.restart();
    var view = kit.<SessionEntity.SessionView>runCommand(SessionEntity.GetSession::new).reply();
    assertThat(view.state().totals().timeOnPageMs()).isEqualTo(12_000);
  }

  @Test
  void whenTheWriteOnStoppingFailsItRestartsAndStillStops() {
    TestProbe<Done> done = KIT.createTestProbe();
    ActorRef<Command> entity =
        KIT.spawn(SessionEntity.create(sessionId, null, SETTINGS, DETECTION, null, clock));
    entity.tell(record(done.ref(), pageView("https://shop.example/a", "/a", 0)));
    done.expectMessage(Done.getInstance());
    entity.tell(record(done.ref(), pageExit(3, 12_000, 80, 4, 1, 1)));
    done.expectMessage(Done.getInstance());
    PersistenceTestKit journal = PersistenceTestKit.create(KIT.system());
    String pid = "Session|" + sessionId;

    // when the rollup written on stopping fails (the shard sends its stop message only once, and
    // holds the entity's messages until it has terminated)
    journal.failNextPersisted(pid);
    entity.tell(SessionEntity.Stop.INSTANCE);

    // then the entity restarts from its journal after a backoff and stops, rather than living on
    // unreachable; what the failed write carried is lost, as with any failed rollup
    KIT.createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(10),
            () -> {
              TIME.timePasses(Duration.ofSeconds(1));
              done.expectTerminated(entity, Duration.ofMillis(200));
              return null;
            });
    assertThat(journal.persistedInStorage(pid)).hasSize(2);
  }

  @Test
  void afterAFailedWriteAndItsRestartTheTimerStillRollsUpActivity() {
    TestProbe<Done> done = KIT.createTestProbe();
    ActorRef<Command> entity =
        KIT.spawn(SessionEntity.create(sessionId, null, SETTINGS, DETECTION, null, clock));
    entity.tell(record(done.ref(), pageView("https://shop.example/a", "/a", 0)));
    done.expectMessage(Done.getInstance());
    PersistenceTestKit journal = PersistenceTestKit.create(KIT.system());
    String pid = "Session|" + sessionId;

    // given a write that fails (the database went away): the entity restarts, which cancels an
    // actor's timers
    journal.failNextPersisted(pid);
    entity.tell(record(done.ref(), conversion(2, "signup")));
    KIT.createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(10),
            () -> {
              TIME.timePasses(Duration.ofSeconds(1)); // the restart's backoff
              entity.tell(record(done.ref(), scroll(3)));
              done.expectMessage(Duration.ofMillis(200), Done.getInstance());
              return null;
            });

    // when the rollup interval passes, then its tick journals the activity since
    clock.advance(Duration.ofSeconds(11));
    KIT.createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(10),
            () -> {
              TIME.timePasses(SETTINGS.tickInterval());
              List<Object> events = journal.persistedInStorage(pid);
              assertThat(events.get(events.size() - 1)).isInstanceOf(ActivityRolledUp.class);
              assertThat(events).hasSize(3);
              return null;
            });
  }

  @Test
  void whenPassivatedWithNothingPendingItStopsWithoutAWrite() {
    TestProbe<Done> done = KIT.createTestProbe();
    ActorRef<Command> entity =
        KIT.spawn(SessionEntity.create(sessionId, null, SETTINGS, DETECTION, null, clock));
    entity.tell(record(done.ref(), pageView("https://shop.example/a", "/a", 0)));
    done.expectMessage(Done.getInstance());

    entity.tell(SessionEntity.Stop.INSTANCE);

    done.expectTerminated(entity);
    assertThat(PersistenceTestKit.create(KIT.system()).persistedInStorage("Session|" + sessionId))
        .hasSize(2); // started and its rollup, nothing on stopping
  }

  @Test
  void aConversionIsJournaledAtOnceWithTheTotalsItHappenedAt() {
    kit.<Done>runCommand(replyTo -> record(replyTo, pageView("https://shop.example/a", "/a", 0)));

    var result = kit.<Done>runCommand(replyTo -> record(replyTo, conversion(2, "signup")));

    assertThat(result.events()).hasSize(2);
    assertThat(result.events().get(0)).isEqualTo(new SessionConverted("signup", T0.plusSeconds(2)));
    assertThat(((ActivityRolledUp) result.events().get(1)).totals().conversions()).isEqualTo(1);
  }

  @Test
  void aNewUserIdIsJournaledAsIdentified() {
    kit.<Done>runCommand(replyTo -> record(replyTo, pageView("https://shop.example/a", "/a", 0)));

    var result =
        kit.<Done>runCommand(
            replyTo ->
                new SessionEntity.RecordBeacons(
                    "shop", "visitor-1", "user-0042", CHROME, List.of(scroll(5)), replyTo));

    assertThat(result.events().get(0)).isEqualTo(new UserIdentified("user-0042"));
    assertThat(result.state().userId()).isEqualTo("user-0042");
  }

  @Test
  void theSessionEndsAfterTheInactivityTimeoutAtItsLastSeenTime() {
    kit.<Done>runCommand(replyTo -> record(replyTo, pageView("https://shop.example/a", "/a", 0)));
    kit.<Done>runCommand(replyTo -> record(replyTo, scroll(40)));
    clock.advance(Duration.ofSeconds(10));
    TIME.timePasses(Duration.ofSeconds(10)); // the tick rolls up the scroll
    PersistenceTestKit journal = PersistenceTestKit.create(KIT.system());
    TestProbe<Object> wait = KIT.createTestProbe();
    wait.awaitAssert(
        () -> {
          List<Object> events = journal.persistedInStorage("Session|" + sessionId);
          assertThat(events.get(events.size() - 1)).isInstanceOf(ActivityRolledUp.class);
          assertThat(events).hasSize(3);
          return null;
        });

    clock.advance(Duration.ofMinutes(31));
    TIME.timePasses(Duration.ofMinutes(31));

    wait.awaitAssert(
        () -> {
          List<Object> events = journal.persistedInStorage("Session|" + sessionId);
          assertThat(events.get(events.size() - 1))
              .isEqualTo(new SessionEnded(T0.plusSeconds(40), "inactivity"));
          return null;
        });
  }

  @Test
  void activityAfterAQuietSpellIsRolledUpWithinTheRollupIntervalAgain() {
    // While nothing is pending the tick slows to a quarter of the inactivity timeout (7.5 min
    // here); new activity must bring the rollup interval back.
    kit.<Done>runCommand(replyTo -> record(replyTo, pageView("https://shop.example/a", "/a", 0)));
    kit.<Done>runCommand(replyTo -> record(replyTo, scroll(40)));
    clock.advance(Duration.ofSeconds(10));
    TIME.timePasses(Duration.ofSeconds(10)); // rolls up the scroll; nothing pending after it
    PersistenceTestKit journal = PersistenceTestKit.create(KIT.system());
    String pid = "Session|" + sessionId;
    TestProbe<Object> wait = KIT.createTestProbe();
    wait.awaitAssert(
        () -> {
          assertThat(journal.persistedInStorage(pid)).hasSize(3);
          return null;
        });
    clock.advance(Duration.ofMinutes(2));
    TIME.timePasses(Duration.ofMinutes(2));

    kit.<Done>runCommand(replyTo -> record(replyTo, scroll(150)));
    clock.advance(Duration.ofSeconds(11));
    TIME.timePasses(Duration.ofSeconds(11));

    wait.awaitAssert(
        () -> {
          List<Object> events = journal.persistedInStorage(pid);
          assertThat(events).hasSize(4);
          ActivityRolledUp last = (ActivityRolledUp) events.get(3);
          assertThat(last.totals().beacons()).isEqualTo(3);
          return null;
        });
  }

  @Test
  void endIfIdleLeavesAnActiveSessionOpen() {
    kit.<Done>runCommand(replyTo -> record(replyTo, pageView("https://shop.example/a", "/a", 0)));
    clock.advance(Duration.ofMinutes(5));

    var result = kit.<Done>runCommand(SessionEntity.EndIfIdle::new);

    assertThat(result.events()).isEmpty();
    assertThat(result.state().ended()).isFalse();
  }

  @Test
  void endIfIdleEndsASessionNotSeenForTheTimeout() {
    kit.<Done>runCommand(replyTo -> record(replyTo, pageView("https://shop.example/a", "/a", 0)));
    clock.advance(Duration.ofMinutes(31));

    var result = kit.<Done>runCommand(SessionEntity.EndIfIdle::new);

    assertThat(result.events()).containsExactly(new SessionEnded(T0, "inactivity"));
  }

  @Test
  void theJournalNamesAnEndAsPruningLooksForIt() {
    SessionEnded end = new SessionEnded(T0, "inactivity");
    Serialization serialization = SerializationExtension.get(KIT.system().classicSystem());

    String manifest = Serializers.manifestFor(serialization.findSerializerFor(end), end);

    assertThat(manifest).isEqualTo(SessionPruning.ENDED_MANIFEST);
  }

  @Test
  void activityAfterTheEndResumesTheSession() {
    kit.<Done>runCommand(replyTo -> record(replyTo, pageView("https://shop.example/a", "/a", 0)));
    clock.advance(Duration.ofMinutes(31));
    assertThat(kit.<Done>runCommand(SessionEntity.EndIfIdle::new).state().ended()).isTrue();

    var result =
        kit.<Done>runCommand(
            replyTo -> record(replyTo, pageView("https://shop.example/b", "/b", 1900)));

    assertThat(result.state().ended()).isFalse();
    assertThat(result.state().totals().pageViews()).isEqualTo(2);
  }

  @Test
  void recoversTheSameStateFromSnapshotsAndEvents() {
    kit.<Done>runCommand(replyTo -> record(replyTo, pageView("https://shop.example/a", "/a", 0)));
    for (int i = 1; i <= 6; i++) {
      clock.advance(Duration.ofSeconds(11));
      int second = i * 11;
      kit.<Done>runCommand(
          replyTo -> record(replyTo, pageView("https://shop.example/p", "/p", second)));
    }
    State before = kit.getState();

    kit.restart();

    assertThat(kit.getState()).isEqualTo(before);
    assertThat(before.totals().pageViews()).isEqualTo(7);
  }

  // ---- helpers ----

  private static SessionEntity.RecordBeacons record(
      org.apache.pekko.actor.typed.ActorRef<Done> replyTo, PageSignal... beacons) {
    return new SessionEntity.RecordBeacons(
        "shop", "visitor-1", null, CHROME, List.of(beacons), replyTo);
  }

  private static PageSignal pageView(String url, String path, int second) {
    String utm =
        url.contains("utm_source=") ? url.substring(url.indexOf("utm_source=") + 11) : null;
    return new PageSignal(
        EventType.PAGE_VIEW,
        T0.plusSeconds(second),
        url,
        path,
        null,
        utm,
        null,
        null,
        0,
        0,
        0,
        0,
        0,
        null);
  }

  private static PageSignal scroll(int second) {
    return new PageSignal(
        EventType.SCROLL,
        T0.plusSeconds(second),
        "https://shop.example/a",
        "/a",
        null,
        null,
        null,
        null,
        0,
        50,
        0,
        0,
        0,
        null);
  }

  private static PageSignal pageExit(
      int second, int timeMs, int depth, int clicks, int rage, int dead) {
    return new PageSignal(
        EventType.PAGE_EXIT,
        T0.plusSeconds(second),
        "https://shop.example/a",
        "/a",
        null,
        null,
        null,
        null,
        timeMs,
        depth,
        clicks,
        rage,
        dead,
        null);
  }

  private static PageSignal conversion(int second, String goal) {
    return new PageSignal(
        EventType.CONVERSION,
        T0.plusSeconds(second),
        "https://shop.example/a",
        "/a",
        null,
        null,
        null,
        null,
        0,
        0,
        0,
        0,
        0,
        goal);
  }
}
