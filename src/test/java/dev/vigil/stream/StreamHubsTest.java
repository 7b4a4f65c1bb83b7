package dev.vigil.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.vigil.tenancy.Principal;
import dev.vigil.tenancy.Role;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The node's hubs: a hub that fails closes its streams and is replaced for the next connection. */
class StreamHubsTest {
  // A hub looks up cluster sharding (for site replays) as it starts, which needs the cluster
  // provider; nothing here joins a cluster or replays a site.
  private static final ActorTestKit kit =
      ActorTestKit.create(
          ConfigFactory.parseString(
              "pekko.actor.provider = cluster\n"
                  + "pekko.remote.artery.canonical.hostname = 127.0.0.1\n"
                  + "pekko.remote.artery.canonical.port = 0"));
  private static final StreamSettings SETTINGS =
      new StreamSettings(Duration.ofMillis(100), 16, 16, 10, Duration.ofSeconds(15));
  private static final Principal VIEWER =
      new Principal("tok-1", "dashboard", Role.VIEWER, false, Set.of("site-a"));

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void aHubThatFailsClosesItsStreamsAndTheTokensNextConnectionGetsANewHub() throws Exception {
    // given a token directory that can be made to fail, read by the hub every heartbeat
    AtomicBoolean broken = new AtomicBoolean(false);
    AtomicInteger open = new AtomicInteger();
    ActorRef<StreamHubs.Command> hubs =
        kit.spawn(
            StreamHubs.create(
                SETTINGS,
                tokenId -> {
                  if (broken.get()) {
                    throw new IllegalStateException("the token directory broke");
                  }
                  return Optional.of(VIEWER);
                },
                Set::of,
                open));
    // and an open stream
    Pair<BoundedSourceQueue<ByteString>, Source<ByteString, NotUsed>> first = queue();
    assertThat(connect(hubs, "conn-1", first.first()).accepted()).isTrue();
    CompletionStage<List<ByteString>> firstFrames =
        first.second().runWith(Sink.seq(), kit.system());
    assertThat(open.get()).isEqualTo(1);

    // when the hub fails on its next heartbeat
    broken.set(true);

    // then its stream ends with closed, so the client reconnects, and is counted out
    List<ByteString> frames = firstFrames.toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(frames.get(frames.size() - 1).utf8String())
        .contains("event: closed")
        .contains("\"cause\":\"error\"");
    assertThat(open.get()).isZero();

    // and when the directory works again, the token's next connection is answered by a new hub
    broken.set(false);
    Pair<BoundedSourceQueue<ByteString>, Source<ByteString, NotUsed>> second = queue();
    assertThat(connect(hubs, "conn-2", second.first()).accepted()).isTrue();
    assertThat(open.get()).isEqualTo(1);
  }

  private static Pair<BoundedSourceQueue<ByteString>, Source<ByteString, NotUsed>> queue() {
    return Source.<ByteString>queue(SETTINGS.bufferSize()).preMaterialize(kit.system());
  }

  private static StreamHub.Connected connect(
      ActorRef<StreamHubs.Command> hubs, String id, BoundedSourceQueue<ByteString> queue) {
    TestProbe<StreamHub.Connected> reply = kit.createTestProbe();
    hubs.tell(
        new StreamHubs.Open(
            new StreamHub.Connect(
                VIEWER, id, Set.of(), false, Set.of(), null, false, queue, reply.ref())));
    return reply.receiveMessage(Duration.ofSeconds(5));
  }
}
