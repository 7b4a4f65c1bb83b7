package dev.vigil.detection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.detection.Gcra.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The generic cell rate algorithm's arithmetic, in microseconds. */
class GcraTest {
  private static final long NOW = 1_000_000_000L; // any instant, in microseconds

  @Test
  void aFreshBucketAdmitsAndMovesTheArrivalTimeOneIntervalOn() {
    Result r = Gcra.tryAcquire(NOW, 0, 2.0, 6);

    assertThat(r).isEqualTo(new Result(true, NOW + 500_000, 0, false));
  }

  @Test
  void admitsTheBurstAtOnceEachAdmissionAddingOneInterval() {
    long tat = 0;
    for (int i = 1; i <= 6; i++) {
      Result r = Gcra.tryAcquire(NOW, tat, 2.0, 6);
      assertThat(r.admitted()).as("request %d", i).isTrue();
      assertThat(r.tatMicros()).isEqualTo(NOW + i * 500_000L);
      tat = r.tatMicros();
    }

    Result refused = Gcra.tryAcquire(NOW, tat, 2.0, 6);

    // tat = now + 3 s, tolerance = 5 intervals = 2.5 s: allowed again at now + 0.5 s
    assertThat(refused).isEqualTo(new Result(false, tat, 500_000, true));
    assertThat(Gcra.tryAcquire(NOW + 499_999, tat, 2.0, 6).admitted()).isFalse();
    assertThat(Gcra.tryAcquire(NOW + 500_000, tat, 2.0, 6))
        .isEqualTo(new Result(true, tat + 500_000, 0, true));
  }

  @Test
  void anIdleBucketIsFullAgain() {
    long longAgo = NOW - 3_600_000_000L;

    Result r = Gcra.tryAcquire(NOW, longAgo, 2.0, 6);

    assertThat(r).isEqualTo(new Result(true, NOW + 500_000, 0, false));
  }

  @Test
  void aBurstOfOneAdmitsOneRequestPerInterval() {
    Result first = Gcra.tryAcquire(NOW, 0, 4.0, 1);
    Result second = Gcra.tryAcquire(NOW + 100_000, first.tatMicros(), 4.0, 1);
    Result third = Gcra.tryAcquire(NOW + 250_000, first.tatMicros(), 4.0, 1);

    assertThat(first.admitted()).isTrue();
    assertThat(second).isEqualTo(new Result(false, NOW + 250_000, 150_000, true));
    assertThat(third).isEqualTo(new Result(true, NOW + 500_000, 0, true));
  }

  @ParameterizedTest(name = "burst {0} behaves as burst 1")
  @CsvSource({"0", "-3"})
  void aBurstBelowOneBehavesAsOne(int burst) {
    Result first = Gcra.tryAcquire(NOW, 0, 1.0, burst);

    assertThat(first.admitted()).isTrue();
    assertThat(Gcra.tryAcquire(NOW, first.tatMicros(), 1.0, burst).retryAfterMicros())
        .isEqualTo(1_000_000);
  }

  @Test
  void theIntervalIsTruncatedToWholeMicroseconds() {
    // 3/s: 333,333.3 us, truncated
    Result r = Gcra.tryAcquire(NOW, 0, 3.0, 1);

    assertThat(r.tatMicros()).isEqualTo(NOW + 333_333);
  }

  @ParameterizedTest(name = "rate {0} admits nothing")
  @CsvSource({"0.0", "-1.0"})
  void aRateOfZeroAdmitsNothing(double rate) {
    Result r = Gcra.tryAcquire(NOW, 42, rate, 6);

    assertThat(r).isEqualTo(new Result(false, 42, Long.MAX_VALUE, true));
  }

  @Test
  void aClientComingWithinOneIntervalOfItsEarliestTurnKeepsTheBucketDrained() {
    // given an empty bucket at 2/s, burst 6: the next request is allowed at NOW
    long tat = NOW + 2_500_000;

    // a request right at its turn, or less than one interval after, keeps it drained
    assertThat(Gcra.tryAcquire(NOW, tat, 2.0, 6).drained()).isTrue();
    assertThat(Gcra.tryAcquire(NOW + 499_999, tat, 2.0, 6).drained()).isTrue();
    // one that leaves a whole interval unused does not
    assertThat(Gcra.tryAcquire(NOW + 500_000, tat, 2.0, 6).drained()).isFalse();
  }
}
