package dev.vigil.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What an entity writes again after a failed write, and when it stops. */
class UnjournaledWriteTest {
  private static final Logger LOG = LoggerFactory.getLogger(UnjournaledWriteTest.class);
  private static final Predicate<String> ROLLUP = e -> e.startsWith("rollup");

  /** A write of {@code fresh} after {@code before}, the journal at {@code seq}, that fails. */
  private static UnjournaledWrite<String> failed(
      UnjournaledWrite<String> before, List<String> fresh, long seq) {
    List<String> events = UnjournaledWrite.events(before, fresh);
    return UnjournaledWrite.writing(before, events, seq, ROLLUP);
  }

  @Test
  void aFailedWritesEventsGoFirstInTheNextWithoutItsRollup() {
    // given a write of a transition and its rollup, the journal at 4, that failed
    UnjournaledWrite<String> write = failed(null, List.of("opened", "rollup-1"), 4);
    write = UnjournaledWrite.afterRecovery(write, 4, LOG, () -> "test");

    // then the next write carries the transition first, and its own rollup only
    assertThat(UnjournaledWrite.events(write, List.of("closed", "rollup-2")))
        .containsExactly("opened", "closed", "rollup-2");
    // and with no write pending, a write is its own events
    List<String> fresh = List.of("rollup-3");
    assertThat(UnjournaledWrite.events(null, fresh)).isSameAs(fresh);
  }

  @Test
  void aWriteStoredAfterAllIsNotWrittenAgain() {
    // given a write of two events, the journal at 4, whose answer was lost though it committed:
    // the recovery finds the journal at 6
    UnjournaledWrite<String> write = failed(null, List.of("opened", "rollup-1"), 4);

    assertThat(UnjournaledWrite.afterRecovery(write, 6, LOG, () -> "test")).isNull();
  }

  @Test
  void anAttemptStoredAfterTheNextBeganLeavesOnlyWhatLaterAttemptsAdded() {
    // given a write [opened, rollup-1] from 4 that timed out, then committed late, after the
    // entity had recovered at 4 and tried [opened, escalated, rollup-2] (which then failed on the
    // sequence numbers the first took)
    UnjournaledWrite<String> write = failed(null, List.of("opened", "rollup-1"), 4);
    write = UnjournaledWrite.afterRecovery(write, 4, LOG, () -> "test");
    write = failed(write, List.of("escalated", "rollup-2"), 4);

    // when the recovery finds the first attempt's two events
    write = UnjournaledWrite.afterRecovery(write, 6, LOG, () -> "test");

    // then only the second attempt's own transition is carried, from 6
    assertThat(UnjournaledWrite.events(write, List.of("rollup-3")))
        .containsExactly("escalated", "rollup-3");
  }

  @Test
  void theEventsAreGivenUpAtTheLastFailedAttempt() {
    UnjournaledWrite<String> write = failed(null, List.of("opened", "rollup"), 0);
    for (int failure = 1; failure < UnjournaledWrite.ATTEMPTS; failure++) {
      write = UnjournaledWrite.afterRecovery(write, 0, LOG, () -> "test");
      assertThat(write).as("after failed write %d", failure).isNotNull();
      assertThat(write.carried()).containsExactly("opened");
      write = failed(write, List.of("rollup"), 0);
    }
    assertThat(UnjournaledWrite.afterRecovery(write, 0, LOG, () -> "test")).isNull();
  }
}
