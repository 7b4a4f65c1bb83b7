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
 * journal and the read side would never hear of a change its answers apply. Rollups are not
 * carried: the next write has its own.
 *
 * <p>After a restart the recovered sequence number says which attempt, if any, was stored after all
 * (a commit whose answer was lost, or came after the journal's timeout), so no event is journaled
 * twice: the attempts since the last stored write start from the same number, and each carries the
 * ones before it first. The events are given up, with an ERROR, after {@link #ATTEMPTS} failed
 * writes in a row: a journal that keeps refusing writes (or an event it rejects) must not grow them
 * without bound.
 *
 * @param <E> the entity's event type
 */
public final class UnjournaledWrite<E> {
  /** The failed writes in a row that carry the same events before they are given up. */
  public static final int ATTEMPTS = 10;

  /** One write attempt: how many events it wrote, and how many of them are carried. */
  private record Attempt(int size, int carried) {}

  private final List<E> carried;
  private final long from;
  private final List<Attempt> attempts;
  private final int failures;

  private UnjournaledWrite(List<E> carried, long from, List<Attempt> attempts, int failures) {
    this.carried = carried;
    this.from = from;
    this.attempts = attempts;
    this.failures = failures;
  }

  /**
   * What to journal: the events carried from a failed write ({@code before}, may be null), then
   * {@code fresh}.
   */
  public static <E> List<E> events(UnjournaledWrite<E> before, List<E> fresh) {
    if (before == null) {
      return fresh;
    }
    List<E> all = new ArrayList<>(before.carried.size() + fresh.size());
    all.addAll(before.carried);
    all.addAll(fresh);
    return all;
  }

  /**
   * Notes a write of {@code events} (from {@link #events}) about to be made, the entity's journal
   * at {@code lastSequenceNr}; all but its {@code rollup} events are carried if it fails.
   */
  public static <E> UnjournaledWrite<E> writing(
      UnjournaledWrite<E> before, List<E> events, long lastSequenceNr, Predicate<E> rollup) {
    List<E> carried = new ArrayList<>(events.size());
    for (E e : events) {
      if (!rollup.test(e)) {
        carried.add(e);
      }
    }
    List<Attempt> attempts = new ArrayList<>();
    if (before != null && before.from == lastSequenceNr) {
      attempts.addAll(before.attempts);
    }
    attempts.add(new Attempt(events.size(), carried.size()));
    return new UnjournaledWrite<>(
        carried, lastSequenceNr, attempts, before == null ? 0 : before.failures);
  }

  /**
   * After a recovery: what is still to be journaled, or null when nothing is. An attempt that was
   * stored after all ({@code recoveredSequenceNr} is where it ends) leaves only what later attempts
   * added; when none was, the failure counts, and the {@link #ATTEMPTS}th gives the events up,
   * logged with {@code what} the entity is.
   */
  public static <E> UnjournaledWrite<E> afterRecovery(
      UnjournaledWrite<E> write, long recoveredSequenceNr, Logger log, Supplier<String> what) {
    if (write == null) {
      return null;
    }
    if (recoveredSequenceNr != write.from) {
      for (Attempt a : write.attempts) {
        if (write.from + a.size() == recoveredSequenceNr) {
          List<E> rest = write.carried.subList(a.carried(), write.carried.size());
          return rest.isEmpty()
              ? null
              : new UnjournaledWrite<>(List.copyOf(rest), recoveredSequenceNr, List.of(), 0);
        }
      }
      // Written by something else (another incarnation of the entity): nothing to reconcile with.
      log.warn(
          "{}: journal at {} after writes from {}; {} events not journaled again",
          what.get(),
          recoveredSequenceNr,
          write.from,
          write.carried.size());
      return null;
    }
    if (write.failures + 1 >= ATTEMPTS) {
      log.error(
          "{}: {} events not journaled, after {} failed writes",
          what.get(),
          write.carried.size(),
          write.failures + 1);
      return null;
    }
    return new UnjournaledWrite<>(write.carried, write.from, write.attempts, write.failures + 1);
  }

  /** For a log line about what an entity gives up: {@code " and 2 events"}, or nothing. */
  public static String andCarried(UnjournaledWrite<?> write) {
    return write == null ? "" : " and " + write.carried.size() + " events";
  }

  /** The events to journal again (rollups left out), in order. */
  public List<E> carried() {
    return carried;
  }
}
