package dev.vigil.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The node's pre-aggregation: every request counted is sent once, whatever drains meanwhile. */
class SubjectRollupsTest {
  private static final Instant AT = Instant.parse("2026-12-07T10:00:30Z");

  @Test
  void drainsEachSubjectAndMinuteOldestFirst() {
    SubjectRollups rollups = new SubjectRollups();
    rollups.siteRequest("s", AT.plusSeconds(60), true);
    rollups.siteRequest("s", AT, false);
    rollups.siteRequest("s", AT, true);
    rollups.userRequest("s", "u", AT);
    List<String> sent = new ArrayList<>();
    rollups.drain(
        (entity, c) -> sent.add(entity + " " + c.minute() + " " + c.requests() + "/" + c.bots()));
    assertThat(sent)
        .containsExactlyInAnyOrder(
            "site:s:s 2026-12-07T10:00:00Z 2/1",
            "user:s:u 2026-12-07T10:00:00Z 1/0",
            "site:s:s 2026-12-07T10:01:00Z 1/1");
    assertThat(sent.get(2)).contains("10:01:00Z");

    List<String> again = new ArrayList<>();
    rollups.drain((entity, c) -> again.add(entity));
    assertThat(again).isEmpty();
  }

  @Test
  void noRequestIsLostToADrainRunningAtTheSameTime() throws Exception {
    SubjectRollups rollups = new SubjectRollups();
    int threads = 4;
    int perThread = 300_000;
    AtomicLong sentRequests = new AtomicLong();
    AtomicLong sentBots = new AtomicLong();
    AtomicBoolean adding = new AtomicBoolean(true);
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> adders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread adder =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int i = 0; i < perThread; i++) {
                  rollups.siteRequest("s", AT, i % 2 == 0);
                }
              });
      adder.start();
      adders.add(adder);
    }
    Thread drainer =
        new Thread(
            () -> {
              while (adding.get()) {
                rollups.drain(
                    (entity, c) -> {
                      sentRequests.addAndGet(c.requests());
                      sentBots.addAndGet(c.bots());
                    });
              }
            });
    drainer.start();
    start.countDown();
    for (Thread adder : adders) {
      adder.join();
    }
    adding.set(false);
    drainer.join();
    rollups.drain(
        (entity, c) -> {
          sentRequests.addAndGet(c.requests());
          sentBots.addAndGet(c.bots());
        });

    assertThat(sentRequests.get()).isEqualTo((long) threads * perThread);
    assertThat(sentBots.get()).isEqualTo((long) threads * perThread / 2);
  }
}
