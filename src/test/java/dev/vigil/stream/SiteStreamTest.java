package dev.vigil.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.http.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The per-site ring: numbering, publication, replay from a position, and when it must reset. */
class SiteStreamTest {
  private static final ActorTestKit kit = ActorTestKit.create();
  private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
  private static final StreamSettings SETTINGS =
      new StreamSettings(Duration.ofSeconds(15), 3, 16, 10, Duration.ofMillis(200));

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static int sites;

  private record Stream(
      String site, ActorRef<SiteStream.Command> ref, TestProbe<SiteEvent> topic) {}

  private static Stream start(long activeSessions) {
    return start(id -> CompletableFuture.completedFuture(activeSessions));
  }

  private static Stream start(Function<String, CompletionStage<Long>> activeSessions) {
    String site = "site-" + (++sites);
    LiveEvents live = LiveEvents.get(kit.system());
    TestProbe<SiteEvent> topic = kit.createTestProbe();
    live.topic(site).tell(Topic.subscribe(topic.ref()));
    ActorRef<SiteStream.Command> ref =
        kit.spawn(
            SiteStream.create(
                site, SETTINGS, live, activeSessions, Clock.fixed(T0, ZoneOffset.UTC)));
    return new Stream(site, ref, topic);
  }

  private static void publish(Stream s, String type) {
    s.ref().tell(new SiteStream.Publish(type, T0, "{}", false));
  }

  private static SiteStream.Replayed replay(Stream s, Long generation, long after) {
    TestProbe<SiteStream.Replayed> reply = kit.createTestProbe();
    s.ref().tell(new SiteStream.Replay(generation, after, reply.ref()));
    return reply.receiveMessage();
  }

  /** The data of the first {@code stats} event a subscriber gets. */
  private static JsonNode firstStats(TestProbe<SiteEvent> subscriber, Duration within)
      throws Exception {
    SiteEvent stats =
        subscriber
            .fishForMessage(
                within,
                e ->
                    e.type().equals("stats")
                        ? FishingOutcomes.complete()
                        : FishingOutcomes.continueAndIgnore())
            .get(0);
    return Json.MAPPER.readTree(stats.data());
  }

  private static SiteEvent nextEvent(Stream s) {
    return s.topic()
        .fishForMessage(
            Duration.ofSeconds(3),
            e ->
                e.type().equals("stats")
                    ? FishingOutcomes.continueAndIgnore()
                    : FishingOutcomes.complete())
        .get(0);
  }

  @Test
  void eventsAreNumberedInOrderAndPublished() {
    Stream s = start(0);
    publish(s, "session.started");
    publish(s, "session.updated");
    SiteEvent first = nextEvent(s);
    SiteEvent second = nextEvent(s);
    assertThat(List.of(first.seq(), second.seq())).containsExactly(1L, 2L);
    assertThat(first.generation()).isEqualTo(T0.toEpochMilli());
    assertThat(first.siteId()).isEqualTo(s.site());
    assertThat(second.kind()).isEqualTo("session");
  }

  @Test
  void aBatchIsNumberedInItsOrderAfterWhatCameBeforeAndKeptForReplay() {
    Stream s = start(0);
    publish(s, "ledger.request");
    s.ref()
        .tell(
            new SiteStream.PublishAll(
                List.of(
                    new SiteStream.Publish("ledger.request", T0, "{\"n\":1}", false),
                    new SiteStream.Publish("ledger.tool", T0, "{\"n\":2}", false),
                    new SiteStream.Publish("ledger.request", T0, "{\"n\":3}", false))));
    publish(s, "ledger.request");
    List<SiteEvent> got =
        List.of(nextEvent(s), nextEvent(s), nextEvent(s), nextEvent(s), nextEvent(s));
    assertThat(got).extracting(SiteEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(got.subList(1, 4))
        .extracting(SiteEvent::data)
        .containsExactly("{\"n\":1}", "{\"n\":2}", "{\"n\":3}");
    assertThat(got.get(2).type()).isEqualTo("ledger.tool");
    // the ring keeps 3: the batch's last two and the event after it
    assertThat(replay(s, T0.toEpochMilli(), 2).events())
        .extracting(SiteEvent::seq)
        .containsExactly(3L, 4L, 5L);
  }

  @Test
  void aReplayReturnsExactlyTheEventsAfterThePosition() {
    Stream s = start(0);
    publish(s, "a.one");
    publish(s, "a.two");
    publish(s, "a.three");
    SiteStream.Replayed r = replay(s, T0.toEpochMilli(), 1);
    assertThat(r.reset()).isFalse();
    assertThat(r.events()).extracting(SiteEvent::type).containsExactly("a.two", "a.three");
    assertThat(replay(s, T0.toEpochMilli(), 3).events()).isEmpty();
    SiteStream.Replayed fresh = replay(s, null, 0);
    assertThat(fresh.seq()).isEqualTo(3);
    assertThat(fresh.events()).isEmpty();
  }

  @Test
  void aPositionOlderThanTheRingAnotherGenerationOrTheFutureIsAReset() {
    Stream s = start(0);
    for (int i = 1; i <= 5; i++) {
      publish(s, "a.e" + i); // the ring keeps 3: seq 3, 4, 5
    }
    long gen = T0.toEpochMilli();
    assertThat(replay(s, gen, 2).reset()).isFalse(); // 3, 4, 5 are all still there
    assertThat(replay(s, gen, 2).events()).hasSize(3);
    assertThat(replay(s, gen, 1).reset()).isTrue(); // 2 was evicted
    assertThat(replay(s, gen - 1, 4).reset()).isTrue();
    assertThat(replay(s, gen, 6).reset()).isTrue();
    SiteStream.Replayed reset = replay(s, gen, 0);
    assertThat(reset.seq()).isEqualTo(5);
    assertThat(reset.events()).isEmpty();
  }

  @Test
  void statsAreNotKeptAndCarryTheLastNumberAndTheCounts() throws Exception {
    Stream s = start(7);
    publish(s, "a.one");
    s.ref().tell(new SiteStream.AddCounts(10, 4, 1));
    s.ref().tell(new SiteStream.AddCounts(2, 4, 1));
    SiteEvent stats =
        s.topic()
            .fishForMessage(
                Duration.ofSeconds(3),
                e ->
                    e.type().equals("stats")
                            && e.data().contains("\"decisionsPerSecond\":")
                            && !e.data().contains("\"botShare\":null")
                        ? FishingOutcomes.complete()
                        : FishingOutcomes.continueAndIgnore())
            .get(0);
    assertThat(stats.transientEvent()).isTrue();
    assertThat(stats.seq()).isEqualTo(1);
    var json = Json.MAPPER.readTree(stats.data());
    assertThat(json.path("activeSessions").asLong()).isEqualTo(7);
    assertThat(json.path("botShare").asDouble()).isEqualTo(0.25);
    assertThat(replay(s, T0.toEpochMilli(), 0).events())
        .extracting(SiteEvent::type)
        .containsExactly("a.one");
  }

  @Test
  void aCountThatNeverAnswersIsGivenUpAndTheStatsGoOn() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    // the first count hangs for good, as a query on a half-open connection would
    Stream s =
        start(
            id ->
                calls.getAndIncrement() == 0
                    ? new CompletableFuture<>()
                    : CompletableFuture.completedFuture(9L));
    // before the first tick: the hung count's window
    s.ref().tell(new SiteStream.AddCounts(3, 2, 1));

    var json = firstStats(s.topic(), Duration.ofSeconds(5));
    assertThat(json.path("activeSessions").asLong()).isEqualTo(9);
    // the given-up window's counts were carried into the next: 1 bot of 2 decisions
    assertThat(json.path("botShare").asDouble()).isEqualTo(0.5);
    assertThat(calls.get()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void aSiteNobodyWatchesIsNotCountedUntilSomeoneDoes() throws Exception {
    // given a site's stream whose topic has no subscriber (no dashboard open anywhere), and whose
    // first count never answers, as a query on a half-open connection would not
    String site = "site-" + (++sites);
    LiveEvents live = LiveEvents.get(kit.system());
    TestProbe<String> counted = kit.createTestProbe();
    AtomicInteger calls = new AtomicInteger();
    ActorRef<SiteStream.Command> stream =
        kit.spawn(
            SiteStream.create(
                site,
                SETTINGS,
                live,
                id -> {
                  counted.ref().tell(id);
                  return calls.getAndIncrement() == 0
                      ? new CompletableFuture<>()
                      : CompletableFuture.completedFuture(5L);
                },
                Clock.fixed(T0, ZoneOffset.UTC)));

    // then after its first tick's count it counts no more: five stats intervals pass without one
    assertThat(counted.receiveMessage(Duration.ofSeconds(3))).isEqualTo(site);
    stream.tell(new SiteStream.AddCounts(1000, 0, 0)); // events nobody watched
    counted.expectNoMessage(SETTINGS.statsInterval().multipliedBy(5));

    // when a dashboard subscribes, counting resumes at once (the hung count was dropped with the
    // unwatched windows) and the dashboard gets stats of its own window, not of the unwatched time
    TestProbe<SiteEvent> dashboard = kit.createTestProbe();
    live.topic(site).tell(Topic.subscribe(dashboard.ref()));
    assertThat(counted.receiveMessage(Duration.ofSeconds(3))).isEqualTo(site);
    var json = firstStats(dashboard, Duration.ofSeconds(3));
    assertThat(json.path("activeSessions").asLong()).isEqualTo(5);
    assertThat(json.path("eventsPerSecond").asDouble()).isZero();
  }
}
