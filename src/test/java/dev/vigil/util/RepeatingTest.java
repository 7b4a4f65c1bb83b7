package dev.vigil.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A repeated task that fails once goes on repeating. */
class RepeatingTest {
  private static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static Cancellable every10ms(Runnable work) {
    return kit.system()
        .scheduler()
        .scheduleWithFixedDelay(
            Duration.ofMillis(10), Duration.ofMillis(10), work, kit.system().executionContext());
  }

  /** Runs, counting, and throws on its first run. */
  private static Runnable failingFirst(AtomicInteger runs) {
    return () -> {
      if (runs.incrementAndGet() == 1) {
        throw new IllegalStateException("the first run fails");
      }
    };
  }

  @Test
  void aGuardedTaskRunsAgainAfterARunThatThrew() {
    AtomicInteger runs = new AtomicInteger();
    Cancellable timer = every10ms(Repeating.guarded("the test's task", failingFirst(runs)));
    try {
      kit.createTestProbe()
          .awaitAssert(Duration.ofSeconds(5), () -> assertThat(runs.get()).isGreaterThan(3));
    } finally {
      timer.cancel();
    }
  }
}
