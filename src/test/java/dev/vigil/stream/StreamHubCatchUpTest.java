package dev.vigil.stream;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.vigil.tenancy.Principal;
import dev.vigil.tenancy.Role;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A resuming stream while its site's replay is slow: it holds at most ring-size of the events that
 * arrive meanwhile, and replays again from where those end, so it still sees every event once; if
 * it is still behind after its last replay it is told {@code reset} and joins the feed. The site's
 * stream is a probe here, so the test decides when a replay is answered.
 */
class StreamHubCatchUpTest {
  private static final ActorTestKit kit =
      ActorTestKit.create(
          ConfigFactory.parseString(
              "pekko.actor.provider = cluster\n"
                  + "pekko.remote.artery.canonical.hostname = 127.0.0.1\n"
                  + "pekko.remote.artery.canonical.port = 0\n"
                  + "pekko.cluster.jmx.enabled = off"));
  private static final int RING = 16;
  private static final StreamSettings SETTINGS =
      new StreamSettings(Duration.ofSeconds(15), RING, 256, 10, Duration.ofSeconds(15));
  private static final String SITE = "site-a";
  private static final String SITE_B = "site-b";
  private static final long GENERATION = 7;
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestProbe<SiteStream.Command> siteStream;

  /** A one-node cluster whose site streams answer replays only when the test says. */
  @BeforeAll
  static void start() {
    Cluster cluster = Cluster.get(kit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    siteStream = kit.createTestProbe();
    ClusterSharding.get(kit.system())
        .init(
            Entity.of(
                SiteStream.ENTITY_KEY,
                ctx ->
                    Behaviors.monitor(
                        SiteStream.Command.class,
                        siteStream.ref(),
                        // stops on the shard's PoisonPill, so the system can shut down
                        Behaviors.receiveMessage(m -> Behaviors.same()))));
    // (up, and the site's shard started: the hub's replays time out after 5 s, which the test's
    // unanswered replay must not reach while the cluster is still starting)
    TestProbe<Object> up = kit.createTestProbe();
    up.awaitAssert(
        WAIT, () -> assertThat(cluster.selfMember().status()).isEqualTo(MemberStatus.up()));
    for (String site : List.of(SITE, SITE_B)) {
      TestProbe<SiteStream.Replayed> warmUp = kit.createTestProbe();
      ClusterSharding.get(kit.system())
          .entityRefFor(SiteStream.ENTITY_KEY, site)
          .tell(new SiteStream.Replay(null, 0, warmUp.ref()));
      assertThat(((SiteStream.Replay) siteStream.receiveMessage(WAIT)).replyTo())
          .isEqualTo(warmUp.ref());
    }
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void aResumingStreamHoldsAtMostARingOfEventsAndReplaysAgainFromWhereTheyEnd() {
    // given a stream that resumes after the site's event 2, and a fresh one on the same hub, which
    // sees the feed's events as they come
    List<String> resumed = new CopyOnWriteArrayList<>();
    List<String> fresh = new CopyOnWriteArrayList<>();
    SiteStream.Replay resumedReplay = resumeAfter2(SITE, resumed, fresh);

    // when 40 events arrive while the resumed stream's replay is still unanswered
    publish(SITE, 3, 42);
    awaitFeedAt(fresh, 42);
    // and the replay then answers with the events up to 10, as the site's ring held them
    resumedReplay.replyTo().tell(replayed(SITE, 3, 10));

    // then the stream, having held 16 of the 40 (events 3 to 18), asks again from 18
    SiteStream.Replay again = (SiteStream.Replay) siteStream.receiveMessage(WAIT);
    assertThat(again.generation()).isEqualTo(GENERATION);
    assertThat(again.afterSeq()).isEqualTo(3 + RING - 1);
    again.replyTo().tell(replayed(SITE, 19, 42));

    // and has every event once and in order, and follows the feed from there
    publish(SITE, 43, 43);
    siteStream.awaitAssert(
        WAIT,
        () -> {
          assertThat(seqs(resumed)).containsExactlyElementsOf(range(3, 43));
          assertThat(seqs(fresh)).containsExactlyElementsOf(range(3, 43));
          return null;
        });
  }

  @Test
  void aResumingStreamStillBehindAfterItsLastReplayIsResetToTheFeedAndJoinsIt() {
    // given a resuming stream on a site whose events come faster than its replays answer: 40
    // events while each replay is out, against a ring of 16
    List<String> resumed = new CopyOnWriteArrayList<>();
    List<String> fresh = new CopyOnWriteArrayList<>();
    SiteStream.Replay replay = resumeAfter2(SITE_B, resumed, fresh);
    long published = 2;
    for (int round = 1; round <= StreamHub.CATCH_UP_ROUNDS; round++) {
      if (round > 1) {
        replay = (SiteStream.Replay) siteStream.receiveMessage(WAIT);
        // from where the events it held end: the 16th of the last round's 40
        assertThat(replay.afterSeq()).as("round %d", round).isEqualTo(published - 40 + RING);
      }
      long before = published;
      publish(SITE_B, before + 1, before + 40);
      published = before + 40;
      awaitFeedAt(fresh, published);
      // (the ring holds what was published before the round's events)
      replay.replyTo().tell(replayed(SITE_B, replay.afterSeq() + 1, before));
    }
    // each round sends the ring's events and the 16 it held of the round's 40
    long heldUpTo = published - 40 + RING;

    // then, still behind after its last replay, it is told it was reset and joins the feed where
    // the feed is: ready, and following the site's events as they come
    List<String> expected = new ArrayList<>();
    range(3, heldUpTo).forEach(seq -> expected.add(Long.toString(seq)));
    expected.addAll(List.of("reset", "ready"));
    siteStream.awaitAssert(
        WAIT, () -> assertThat(labels(resumed)).containsExactlyElementsOf(expected));
    publish(SITE_B, published + 1, published + 1);
    expected.add(Long.toString(published + 1));
    siteStream.awaitAssert(
        WAIT, () -> assertThat(labels(resumed)).containsExactlyElementsOf(expected));
    assertThat(resumed.stream().filter(f -> f.contains("event: reset\n")))
        .singleElement(as(InstanceOfAssertFactories.STRING))
        // (its id is the feed's position, where the stream goes on from)
        .startsWith("id: " + Cursor.encode(Map.of(SITE_B, new Cursor(GENERATION, published))))
        .contains("\"siteId\":\"" + SITE_B + "\"")
        .contains("faster than they could be replayed");
  }

  /**
   * Opens a hub for {@code site} with a stream resuming after its event 2 ({@code resumed}) and a
   * fresh one ({@code fresh}); answers the feed's first replay (the site is at 2) and returns the
   * resuming stream's, unanswered.
   */
  private static SiteStream.Replay resumeAfter2(
      String site, List<String> resumed, List<String> fresh) {
    Principal viewer = new Principal("tok-" + site, "dashboard", Role.VIEWER, false, Set.of(site));
    ActorRef<StreamHubs.Command> hubs =
        kit.spawn(
            StreamHubs.create(
                SETTINGS, tokenId -> Optional.of(viewer), () -> Set.of(site), new AtomicInteger()));
    connect(hubs, viewer, site, "resumed", Map.of(site, new Cursor(GENERATION, 2)), resumed);
    SiteStream.Replay feedsReplay = null;
    SiteStream.Replay resumedReplay = null;
    for (int i = 0; i < 2; i++) {
      SiteStream.Replay r = (SiteStream.Replay) siteStream.receiveMessage(WAIT);
      if (r.generation() == null) {
        feedsReplay = r; // the hub's feed asks where the site is
      } else {
        resumedReplay = r;
      }
    }
    assertThat(resumedReplay.afterSeq()).isEqualTo(2);
    feedsReplay.replyTo().tell(new SiteStream.Replayed(site, GENERATION, 2, false, List.of()));
    connect(hubs, viewer, site, "fresh", null, fresh);
    TestProbe<Topic.TopicStats> stats = kit.createTestProbe();
    stats.awaitAssert(
        WAIT,
        () -> {
          LiveEvents.get(kit.system()).topic(site).tell(Topic.getTopicStats(stats.ref()));
          assertThat(stats.receiveMessage().localSubscriberCount()).isEqualTo(1);
          return null;
        });
    return resumedReplay;
  }

  /** Waits until the fresh stream, which follows the feed, has event {@code seq}. */
  private static void awaitFeedAt(List<String> fresh, long seq) {
    siteStream.awaitAssert(WAIT, () -> assertThat(seqs(fresh)).endsWith(seq));
  }

  private static void connect(
      ActorRef<StreamHubs.Command> hubs,
      Principal viewer,
      String site,
      String id,
      Map<String, Cursor> resume,
      List<String> into) {
    BoundedSourceQueue<ByteString> queue =
        Source.<ByteString>queue(SETTINGS.bufferSize())
            .toMat(Sink.foreach(frame -> into.add(frame.utf8String())), (q, done) -> q)
            .run(kit.system());
    TestProbe<StreamHub.Connected> reply = kit.createTestProbe();
    hubs.tell(
        new StreamHubs.Open(
            new StreamHub.Connect(
                viewer, id, Set.of(site), false, Set.of(), resume, false, queue, reply.ref())));
    assertThat(reply.receiveMessage(WAIT).accepted()).isTrue();
  }

  private static void publish(String site, long from, long to) {
    ActorRef<Topic.Command<SiteEvent>> topic = LiveEvents.get(kit.system()).topic(site);
    for (long seq = from; seq <= to; seq++) {
      topic.tell(Topic.publish(event(site, seq)));
    }
  }

  private static SiteStream.Replayed replayed(String site, long from, long to) {
    return new SiteStream.Replayed(
        site,
        GENERATION,
        Math.max(to, from - 1),
        false,
        range(from, to).stream().map(s -> event(site, s)).toList());
  }

  private static SiteEvent event(String site, long seq) {
    return new SiteEvent(
        site,
        GENERATION,
        seq,
        false,
        "session.updated",
        Instant.parse("2026-12-07T12:00:00Z"),
        "{\"n\":" + seq + "}");
  }

  private static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  /** The site events' sequence numbers and the control events a stream received, in order. */
  private static List<String> labels(List<String> frames) {
    return frames.stream()
        .filter(f -> f.contains("event: "))
        .map(
            f ->
                f.contains("event: session.updated\n")
                    ? f.substring(f.indexOf("\"n\":") + 4, f.indexOf('}'))
                    : f.substring(f.indexOf("event: ") + 7, f.indexOf('\n', f.indexOf("event: "))))
        .toList();
  }

  /** The sequence numbers of the site events a stream received, in order. */
  private static List<Long> seqs(List<String> frames) {
    return frames.stream()
        .filter(f -> f.contains("event: session.updated\n"))
        .map(f -> Long.parseLong(f.substring(f.indexOf("\"n\":") + 4, f.indexOf('}'))))
        .toList();
  }
}
