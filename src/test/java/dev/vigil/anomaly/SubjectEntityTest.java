package dev.vigil.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.VigilConfig;
import dev.vigil.anomaly.SubjectEntity.AddCounts;
import dev.vigil.anomaly.SubjectEntity.BookRolledUp;
import dev.vigil.anomaly.SubjectEntity.Command;
import dev.vigil.anomaly.SubjectRollups.Counts;
import dev.vigil.testkit.EntityTestKit;
import dev.vigil.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A site's or user's metrics entity and its tick, on manual time with the entity's clock. */
class SubjectEntityTest {
  private static final ActorTestKit KIT = ActorTestKit.create(EntityTestKit.config());
  private static final ManualTime TIME = ManualTime.get(KIT.system());
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  private static final AnomalySettings SETTINGS =
      AnomalySettings.fromConfig(VigilConfig.resolve(VigilConfig.shipped()));

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void afterAFailedWriteAndItsRestartTheTickStillJournalsTheBook() {
    MutableClock clock = new MutableClock(T0);
    String id = "site:s1:s1";
    String pid = "Subject|" + id;
    PersistenceTestKit journal = PersistenceTestKit.create(KIT.system());
    ActorRef<Command> subject = spawn(id, clock);
    subject.tell(new AddCounts(new Counts("s1", "site", "s1", T0, 10, 0)));
    // the tick journals the book once the rollup interval has passed, and again as a quiet
    // spell's minutes close
    awaitRollupOfMinute(journal, pid, clock, minuteOf(T0));

    // given a write that fails (the database went away): the next tick's rollup fails, and the
    // entity restarts, which cancels its timers
    journal.failNextPersisted(pid);
    long failedAt = minuteOf(clock.instant());

    // when nothing more comes, then the tick goes on after the restart: a book judged after the
    // failure is journaled, which nothing but a tick after the failed write can do
    awaitRollupOfMinute(journal, pid, clock, failedAt + 1);
  }

  @Test
  void aSubjectPassivatedBeforeItsFirstRollupJournalsItsBookAsItStops() {
    // given a user's subject whose first counts are not journaled yet (the rollup interval has not
    // passed), as when a flood of users pushes it beyond subject-max-live
    MutableClock clock = new MutableClock(T0);
    String id = "user:s1:u1";
    String pid = "Subject|" + id;
    PersistenceTestKit journal = PersistenceTestKit.create(KIT.system());
    ActorRef<Command> subject = spawn(id, clock);
    subject.tell(userCounts("u1", T0, 7));

    // when the shard passivates it
    subject.tell(SubjectEntity.Stop.INSTANCE);

    // then it stops, having journaled its book under who it is
    TestProbe<Object> watcher = KIT.createTestProbe();
    watcher.expectTerminated(subject, Duration.ofSeconds(5));
    assertThat(journal.persistedInStorage(pid))
        .singleElement()
        .isInstanceOfSatisfying(
            BookRolledUp.class,
            r -> {
              assertThat(r.siteId()).isEqualTo("s1");
              assertThat(r.kind()).isEqualTo("user");
              assertThat(r.subjectId()).isEqualTo("u1");
              assertThat(r.book().minute()).isEqualTo(minuteOf(T0));
              assertThat(r.book().requests()).isEqualTo(7);
            });

    // and a subject with nothing new stops without writing
    String quiet = "user:s1:u2";
    ActorRef<Command> idle = spawn(quiet, clock);
    idle.tell(SubjectEntity.Stop.INSTANCE);
    watcher.expectTerminated(idle, Duration.ofSeconds(5));
    assertThat(journal.persistedInStorage("Subject|" + quiet)).isEmpty();
  }

  @Test
  void whenTheWriteOnStoppingFailsItRestartsJournalsTheBookAndStops() {
    // given a subject with counts not yet journaled
    MutableClock clock = new MutableClock(T0);
    String id = "user:s1:u3";
    String pid = "Subject|" + id;
    PersistenceTestKit journal = PersistenceTestKit.create(KIT.system());
    ActorRef<Command> subject = spawn(id, clock);
    subject.tell(userCounts("u3", T0, 5));

    // when the rollup written on stopping fails (the shard sends its stop message only once)
    journal.failNextPersisted(pid);
    subject.tell(SubjectEntity.Stop.INSTANCE);

    // then it restarts after a backoff and stops
    TestProbe<Object> watcher = KIT.createTestProbe();
    watcher.awaitAssert(
        Duration.ofSeconds(10),
        () -> {
          TIME.timePasses(Duration.ofSeconds(1));
          watcher.expectTerminated(subject, Duration.ofMillis(200));
          return null;
        });
    // and the book the failed write carried was journaled on the second stop, not forgotten
    assertThat(journal.persistedInStorage(pid))
        .singleElement()
        .isInstanceOfSatisfying(
            BookRolledUp.class, r -> assertThat(r.book().requests()).isEqualTo(5));
  }

  @Test
  void whenTheJournalKeepsRefusingTheWriteOnStoppingItStopsWithoutItAfterThreeAttempts() {
    // given a subject with counts not yet journaled, and a journal that refuses its next ten
    // writes (a full disk, a read-only database)
    MutableClock clock = new MutableClock(T0);
    String id = "user:s1:u4";
    String pid = "Subject|" + id;
    PersistenceTestKit journal = PersistenceTestKit.create(KIT.system());
    ActorRef<Command> subject = spawn(id, clock);
    subject.tell(userCounts("u4", T0, 5));
    journal.failNextNPersisted(pid, 10);

    // when the shard passivates it
    subject.tell(SubjectEntity.Stop.INSTANCE);

    // then it gives up after three failed writes and stops, rather than holding its place in the
    // shard, retrying, for as long as the journal refuses
    TestProbe<Object> watcher = KIT.createTestProbe();
    watcher.awaitAssert(
        Duration.ofSeconds(10),
        () -> {
          TIME.timePasses(Duration.ofSeconds(1));
          watcher.expectTerminated(subject, Duration.ofMillis(200));
          return null;
        });
    assertThat(journal.persistedInStorage(pid)).isEmpty();
  }

  @Test
  void theTransitionsOfAFailedWriteAreJournaledWithTheNextOneNotLost() {
    // given a user's subject whose requests per minute have a warm baseline of 5, then a minute of
    // 20, which opens a warning when the next minute's counts arrive
    MutableClock clock = new MutableClock(T0);
    String id = "user:s1:u5";
    String pid = "Subject|" + id;
    PersistenceTestKit journal = PersistenceTestKit.create(KIT.system());
    AnomalySettings settings =
        new AnomalySettings(
            0.2, 3, Duration.ofMinutes(5), 10, Duration.ofSeconds(30), Duration.ofSeconds(5));
    Threshold rpm = new Threshold(AnomalyBook.REQUESTS_PER_MINUTE, 15, 30, 2, 3);
    ActorRef<Command> subject =
        KIT.spawn(
            SubjectEntity.create(
                id,
                metric -> metric.equals(rpm.metric()) ? Optional.of(rpm) : Optional.empty(),
                settings,
                clock));
    // (its clock stands still, so nothing before the opening is journaled, and the first write is
    // the one that fails)
    journal.failNextPersisted(pid);
    for (int m = 0; m < 4; m++) {
      subject.tell(userCounts("u5", T0.plusSeconds(60L * m), 5));
    }
    subject.tell(userCounts("u5", T0.plusSeconds(240), 20));

    // when the write of the opening and its book fails (the subject restarts, its book in memory)
    subject.tell(userCounts("u5", T0.plusSeconds(300), 5));

    // then the opening is journaled after all, once, ahead of a book that holds it open, by a tick
    // after the restart: the anomalies table is projected from these transitions, and would
    // otherwise never show the warning that the book goes on to escalate or close
    KIT.createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(10),
            () -> {
              TIME.timePasses(Duration.ofSeconds(10)); // a restart's backoff, then a tick
              var persisted = journal.persistedInStorage(pid);
              List<Object> transitions =
                  persisted.stream()
                      .filter(SubjectEntity.AnomalyTransitioned.class::isInstance)
                      .toList();
              assertThat(transitions)
                  .singleElement()
                  .isInstanceOfSatisfying(
                      SubjectEntity.AnomalyTransitioned.class,
                      t -> {
                        assertThat(t.change()).isEqualTo(MetricTracker.Transition.Kind.OPENED);
                        assertThat(t.level()).isEqualTo(Level.WARNING);
                        assertThat(t.value()).isEqualTo(20);
                        assertThat(t.subjectId()).isEqualTo("u5");
                      });
              assertThat(persisted.get(persisted.indexOf(transitions.get(0)) + 1))
                  .isInstanceOfSatisfying(
                      BookRolledUp.class, r -> assertThat(r.book().open(rpm.metric())).isPresent());
              return null;
            });
  }

  /** A subject with no thresholds, on {@code clock}. */
  private static ActorRef<Command> spawn(String id, MutableClock clock) {
    return KIT.spawn(SubjectEntity.create(id, metric -> Optional.empty(), SETTINGS, clock));
  }

  /** A node's counts for user {@code user} of site s1, none of them from bots. */
  private static AddCounts userCounts(String user, Instant minute, int requests) {
    return new AddCounts(new Counts("s1", "user", user, minute, requests, 0));
  }

  /** Moves both clocks on, tick by tick, until a book judged up to {@code minute} is journaled. */
  private static void awaitRollupOfMinute(
      PersistenceTestKit journal, String pid, MutableClock clock, long minute) {
    KIT.createTestProbe()
        .awaitAssert(
            Duration.ofSeconds(10),
            () -> {
              clock.advance(Duration.ofSeconds(31));
              TIME.timePasses(Duration.ofSeconds(10)); // a tick, or a restart's backoff
              assertThat(journal.persistedInStorage(pid))
                  .anySatisfy(
                      e ->
                          assertThat(e)
                              .isInstanceOfSatisfying(
                                  BookRolledUp.class,
                                  r ->
                                      assertThat(r.book().minute())
                                          .isGreaterThanOrEqualTo(minute)));
              return null;
            });
  }

  private static long minuteOf(Instant at) {
    return at.getEpochSecond() / 60;
  }
}
