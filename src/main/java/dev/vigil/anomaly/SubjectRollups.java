package dev.vigil.anomaly;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Per-node pre-aggregation of the counts behind site and user metrics: each request adds to a
 * counter in this node's memory, and every few seconds the counts go to the subject's entity as one
 * small rollup. A busy site therefore costs its entity one message per node per interval, not one
 * per request.
 */
public final class SubjectRollups {

  /** A subject (site or identified user) and the minute its counts fall in. */
  record Key(String siteId, String kind, String subjectId, long minute) {}

  /** What is sent: counts of one subject in one minute. */
  public record Counts(
      String siteId, String kind, String subjectId, Instant minute, int requests, int bots) {}

  // A key's requests (low 31 bits) and bots (next 31) in one word, so a drain can read and seal
  // them in one atomic step: an add either lands before the seal (and is sent) or sees the seal
  // and goes to a new counter. Lock-free, as every decision adds here: not a lock per add
  // (ConcurrentHashMap.compute), which every decision of a site would contend for.
  private static final long BOT = 1L << 31;
  private static final long COUNT = BOT - 1;
  private static final long SEALED = 1L << 62;
  private final ConcurrentHashMap<Key, AtomicLong> counts = new ConcurrentHashMap<>();

  /** A decision for the site; {@code bot} when its session is classed as a bot. */
  public void siteRequest(String siteId, Instant at, boolean bot) {
    add(new Key(siteId, "site", siteId, at.getEpochSecond() / 60), bot);
  }

  /** A request of a session whose user is identified. */
  public void userRequest(String siteId, String userId, Instant at) {
    add(new Key(siteId, "user", userId, at.getEpochSecond() / 60), false);
  }

  /**
   * Sends and forgets everything counted so far, oldest minute first (a subject's book judges
   * minutes in order, so a later minute must not overtake an earlier one).
   */
  public void drain(BiConsumer<String, Counts> send) {
    List<Key> keys = new ArrayList<>(counts.keySet());
    keys.sort(Comparator.comparingLong(Key::minute));
    for (Key k : keys) {
      AtomicLong c = counts.get(k);
      if (c == null) {
        continue;
      }
      long v = c.getAndUpdate(x -> x | SEALED);
      counts.remove(k, c);
      int requests = (int) (v & COUNT);
      int bots = (int) ((v >>> 31) & COUNT);
      if (requests > 0) {
        String entityId = k.kind() + ":" + k.siteId() + ":" + k.subjectId();
        send.accept(
            entityId,
            new Counts(
                k.siteId(),
                k.kind(),
                k.subjectId(),
                Instant.ofEpochSecond(k.minute() * 60),
                requests,
                bots));
      }
    }
  }

  private void add(Key key, boolean bot) {
    long add = bot ? 1 + BOT : 1;
    while (true) {
      AtomicLong c = counts.computeIfAbsent(key, k -> new AtomicLong());
      long v = c.get();
      if ((v & SEALED) != 0) {
        counts.remove(key, c); // drained: the next round takes a new counter
      } else if (c.compareAndSet(v, v + add)) {
        return;
      }
    }
  }
}
