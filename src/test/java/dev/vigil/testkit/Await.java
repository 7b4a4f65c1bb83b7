package dev.vigil.testkit;

import java.time.Duration;

/**
 * Waits for a condition by polling it, failing with the last assertion error when time runs out.
 * For things outside the actor system (HTTP servers, processes, database rows) where no probe can
 * be handed in.
 */
public final class Await {
  private Await() {}

  /** A check that throws (usually an AssertionError) until the awaited state is reached. */
  @FunctionalInterface
  public interface Check {
    void run() throws Exception;
  }

  public static void until(Duration timeout, Check check) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Throwable last;
    do {
      try {
        check.run();
        return;
      } catch (AssertionError | Exception e) {
        last = e;
      }
      try {
        Thread.sleep(50); // polling interval, not a guess at how long the work takes
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting", e);
      }
    } while (System.nanoTime() < deadline);
    throw new AssertionError(
        "condition not met within " + timeout + ": " + last.getMessage(), last);
  }
}
