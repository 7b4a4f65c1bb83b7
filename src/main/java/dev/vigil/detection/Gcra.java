package dev.vigil.detection;

/**
 * A token bucket as the generic cell rate algorithm: one number, the theoretical arrival time of
 * the next request (microseconds). A request is admitted when it is not earlier than that time
 * minus the burst tolerance; admitting moves the time one emission interval on.
 */
public final class Gcra {
  private Gcra() {}

  /**
   * The outcome: admitted or not, the new arrival time, how long to wait when not, and whether the
   * client is keeping the bucket drained: it came less than one emission interval after the
   * earliest moment it would have been admitted (always true when refused). A client sending faster
   * than the rate is drained on every request; one that slows down stops being so.
   */
  public record Result(boolean admitted, long tatMicros, long retryAfterMicros, boolean drained) {}

  /**
   * @param tatMicros the bucket's state (0 for a new bucket)
   * @param ratePerSecond requests per second allowed on average (0 admits nothing)
   * @param burst requests that may arrive at once on a full bucket
   */
  public static Result tryAcquire(long nowMicros, long tatMicros, double ratePerSecond, int burst) {
    if (ratePerSecond <= 0) {
      return new Result(false, tatMicros, Long.MAX_VALUE, true);
    }
    long interval = (long) (1_000_000 / ratePerSecond);
    long tolerance = interval * Math.max(0, burst - 1);
    long tat = Math.max(tatMicros, nowMicros);
    long allowAt = tat - tolerance;
    if (nowMicros < allowAt) {
      return new Result(false, tatMicros, allowAt - nowMicros, true);
    }
    // measured from the unclamped arrival time: an idle bucket is full, not drained
    boolean drained = nowMicros - (tatMicros - tolerance) < interval;
    return new Result(true, tat + interval, 0, drained);
  }
}
