package dev.vigil.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The events of an entity's journal write until it is known to be stored. An entity whose state
 * lives in memory between rollups (a fingerprint, an anomaly subject) has already applied a write's
 * transitions when the write fails; after its restart they go first in its next write, or the
 * journal and the read side would never hear of a change its answers apply.
 *
 * <p>After a restart the recovered sequence number says whether the write was stored after all (a
 * commit whose answer was lost), so nothing is journaled twice. The events are given up, with an
 * ERROR, after {@link #ATTEMPTS} failed writes in a row: a journal that keeps refusing writes (or
 * an event it rejects) must not grow them without bound.
 *
 * @param <E> the entity's event type
 */
public final class UnjournaledWrite<E> {
  /** The failed writes in a row that carry the same events before they are given up. */
  public static final int ATTEMPTS = 10;

  private final List<E> events;
  private final long storedAt;
  private final int failures;

  private UnjournaledWrite(List<E> events, long storedAt, int failures) {
    this.events = events;
    this.storedAt = storedAt;
    this.failures = failures;
  }

  /**
   * What to journal: the events of the write that failed ({@code before}, may be null) other than
   * its rollups, then {@code fresh}.
   */
  public static <E> List<E> events(UnjournaledWrite<E> before, List<E> fresh, Predicate<E> rollup) {
    if (before == null) {
      return fresh;
    }
    List<E> all = new ArrayList<>(before.events.size() + fresh.size());
    for (E e : before.events) {
      if (!rollup.test(e)) {
        all.add(e);
      }
    }
    all.addAll(fresh);
    return all;
  }

  /**
   * Notes a write of {@code events} (from {@link #events}) about to be made, the entity's journal
   * at {@code lastSequenceNr}; its failures count on from {@code before}'s.
   */
  public static <E> UnjournaledWrite<E> writing(
      UnjournaledWrite<E> before, List<E> events, long lastSequenceNr) {
    return new UnjournaledWrite<>(
        events, lastSequenceNr + events.size(), before == null ? 0 : before.failures);
  }

  /**
   * After a recovery: the write still to be made again, or null when it was stored after all
   * ({@code recoveredSequenceNr} reaches it) or has failed {@link #ATTEMPTS} times, which is logged
   * with {@code what} the entity is.
   */
  public static <E> UnjournaledWrite<E> afterRecovery(
      UnjournaledWrite<E> write, long recoveredSequenceNr, Logger log, Supplier<String> what) {
    if (write == null || recoveredSequenceNr >= write.storedAt) {
      return null;
    }
    if (write.failures + 1 >= ATTEMPTS) {
      log.error(
          "{}: {} events not journaled, after {} failed writes",
          what.get(),
          write.events.size(),
          write.failures + 1);
      return null;
    }
    return new UnjournaledWrite<>(write.events, write.storedAt, write.failures + 1);
  }

  /** The events of the write, rollups included, in order. */
  public List<E> all() {
    return events;
  }
}
