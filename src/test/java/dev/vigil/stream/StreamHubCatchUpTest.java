package dev.vigil.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.vigil.tenancy.Principal;
import dev.vigil.tenancy.Role;
import java.time.Duration;
import java.time.Instant;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A resuming stream while its site's replay is slow: it holds at most ring-size of the events that
 * arrive meanwhile, and replays again from where those end, so it still sees every event once. The
 * site's stream is a probe here, so the test decides when a replay is answered.
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
  private static final long GENERATION = 7;
  private static final Principal VIEWER =
      new Principal("tok-1", "dashboard", Role.VIEWER, false, Set.of(SITE));
  private static final Duration WAIT = Duration.ofSeconds(10);

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void aResumingStreamHoldsAtMostARingOfEventsAndReplaysAgainFromWhereTheyEnd() {
    // given a one-node cluster whose site stream answers replays only when the test says
    Cluster cluster = Cluster.get(kit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    TestProbe<SiteStream.Command> siteStream = kit.createTestProbe();
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
    TestProbe<SiteStream.Replayed> warmUp = kit.createTestProbe();
    ClusterSharding.get(kit.system())
        .entityRefFor(SiteStream.ENTITY_KEY, SITE)
        .tell(new SiteStream.Replay(null, 0, warmUp.ref()));
    assertThat(((SiteStream.Replay) siteStream.receiveMessage(WAIT)).replyTo())
        .isEqualTo(warmUp.ref());
    ActorRef<StreamHubs.Command> hubs =
        kit.spawn(
            StreamHubs.create(
                SETTINGS, tokenId -> Optional.of(VIEWER), () -> Set.of(SITE), new AtomicInteger()));

    // and a stream that resumes after the site's event 2
    List<String> resumed = new CopyOnWriteArrayList<>();
    connect(hubs, "resumed", Map.of(SITE, new Cursor(GENERATION, 2)), resumed);
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
    feedsReplay.replyTo().tell(new SiteStream.Replayed(SITE, GENERATION, 2, false, List.of()));
    // and a fresh stream on the same hub, which sees the feed's events as they come
    List<String> fresh = new CopyOnWriteArrayList<>();
    connect(hubs, "fresh", null, fresh);
    TestProbe<Topic.TopicStats> stats = kit.createTestProbe();
    stats.awaitAssert(
        WAIT,
        () -> {
          LiveEvents.get(kit.system()).topic(SITE).tell(Topic.getTopicStats(stats.ref()));
          assertThat(stats.receiveMessage().localSubscriberCount()).isEqualTo(1);
          return null;
        });

    // when 40 events arrive while the resumed stream's replay is still unanswered
    publish(3, 42);
    stats.awaitAssert(WAIT, () -> assertThat(seqs(fresh)).endsWith(42L));
    // and the replay then answers with the events up to 10, as the site's ring held them
    resumedReplay.replyTo().tell(replayed(3, 10));

    // then the stream, having held 16 of the 40 (events 3 to 18), asks again from 18
    SiteStream.Replay again = (SiteStream.Replay) siteStream.receiveMessage(WAIT);
    assertThat(again.generation()).isEqualTo(GENERATION);
    assertThat(again.afterSeq()).isEqualTo(3 + RING - 1);
    again.replyTo().tell(replayed(19, 42));

    // and has every event once and in order, and follows the feed from there
    publish(43, 43);
    stats.awaitAssert(
        WAIT,
        () -> {
          assertThat(seqs(resumed)).containsExactlyElementsOf(range(3, 43));
          assertThat(seqs(fresh)).containsExactlyElementsOf(range(3, 43));
          return null;
        });
  }

  private static void connect(
      ActorRef<StreamHubs.Command> hubs, String id, Map<String, Cursor> resume, List<String> into) {
    BoundedSourceQueue<ByteString> queue =
        Source.<ByteString>queue(SETTINGS.bufferSize())
            .toMat(Sink.foreach(frame -> into.add(frame.utf8String())), (q, done) -> q)
            .run(kit.system());
    TestProbe<StreamHub.Connected> reply = kit.createTestProbe();
    hubs.tell(
        new StreamHubs.Open(
            new StreamHub.Connect(
                VIEWER, id, Set.of(SITE), false, Set.of(), resume, false, queue, reply.ref())));
    assertThat(reply.receiveMessage(WAIT).accepted()).isTrue();
  }

  private static void publish(long from, long to) {
    ActorRef<Topic.Command<SiteEvent>> topic = LiveEvents.get(kit.system()).topic(SITE);
    for (long seq = from; seq <= to; seq++) {
      topic.tell(Topic.publish(event(seq)));
    }
  }

  private static SiteStream.Replayed replayed(long from, long to) {
    return new SiteStream.Replayed(
        SITE, GENERATION, to, false, range(from, to).stream().map(s -> event(s)).toList());
  }

  private static SiteEvent event(long seq) {
    return new SiteEvent(
        SITE,
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

  /** The sequence numbers of the site events a stream received, in order. */
  private static List<Long> seqs(List<String> frames) {
    return frames.stream()
        .filter(f -> f.contains("event: session.updated\n"))
        .map(f -> Long.parseLong(f.substring(f.indexOf("\"n\":") + 4, f.indexOf('}'))))
        .toList();
  }
}
