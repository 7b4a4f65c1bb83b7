package dev.vigil.util;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work run again and again by Pekko's {@code scheduleWithFixedDelay}, which schedules the next run
 * only after a run returns: one run that throws ends the repetition for good, silently but for the
 * executor's report. {@link #guarded} logs such a failure and returns, so the next run comes.
 */
public final class Repeating {
  private static final Logger log = LoggerFactory.getLogger(Repeating.class);

  private Repeating() {}

  /** {@code work}, with a failed run logged (naming {@code what}) instead of thrown. */
  public static Runnable guarded(String what, Runnable work) {
    return () -> {
      try {
        work.run();
      } catch (RuntimeException e) {
        log.error("{} failed; it runs again at its next interval", what, e);
      }
    };
  }
}
