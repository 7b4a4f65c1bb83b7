package dev.vigil.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What an entity writes again after a failed write, and when it stops. */
class UnjournaledWriteTest {
  private static final Logger LOG = LoggerFactory.getLogger(UnjournaledWriteTest.class);

  @Test
  void aFailedWritesEventsGoFirstInTheNextWithoutItsRollup() {
    // given a write of a transition and its rollup, at sequence number 4, that failed
    List<String> failed = List.of("opened", "rollup-1");
    UnjournaledWrite<String> write = UnjournaledWrite.writing(null, failed, 4);
    write = UnjournaledWrite.afterRecovery(write, 4, LOG, () -> "test");

    // then the next write carries the transition first, and its own rollup only
    assertThat(write).isNotNull();
    assertThat(
            UnjournaledWrite.events(
                write, List.of("closed", "rollup-2"), e -> e.startsWith("rollup")))
        .containsExactly("opened", "closed", "rollup-2");
    // and with no write pending, a write is its own events
    List<String> fresh = List.of("rollup-3");
    assertThat(UnjournaledWrite.events(null, fresh, e -> true)).isSameAs(fresh);
  }

  @Test
  void aWriteStoredAfterAllIsNotWrittenAgain() {
    // given a write of two events after sequence number 4 whose answer was lost, though it was
    // committed: the recovery finds the journal at 6
    UnjournaledWrite<String> write = UnjournaledWrite.writing(null, List.of("opened", "rollup"), 4);

    assertThat(UnjournaledWrite.afterRecovery(write, 6, LOG, () -> "test")).isNull();
    assertThat(UnjournaledWrite.afterRecovery(write, 5, LOG, () -> "test")).isNotNull();
  }

  @Test
  void theEventsAreGivenUpAfterTheLastAttempt() {
    UnjournaledWrite<String> write = null;
    List<String> events = List.of("opened", "rollup");
    for (int attempt = 1; attempt < UnjournaledWrite.ATTEMPTS; attempt++) {
      write =
          UnjournaledWrite.writing(write, UnjournaledWrite.events(write, events, e -> false), 0);
      write = UnjournaledWrite.afterRecovery(write, 0, LOG, () -> "test");
      assertThat(write).as("after failed write %d", attempt).isNotNull();
    }
    write = UnjournaledWrite.writing(write, events, 0);
    assertThat(UnjournaledWrite.afterRecovery(write, 0, LOG, () -> "test")).isNull();
  }
}
