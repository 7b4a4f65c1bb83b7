package dev.vigil.anomaly;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

  // requests and bots of a key; changed only inside the map's compute, so a drain's remove of the
  // key takes the counts whole: an increment either lands before it or in a new array
  private final Map<Key, int[]> counts = new ConcurrentHashMap<>();

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
      int[] c = counts.remove(k);
      if (c != null && c[0] > 0) {
        String entityId = k.kind() + ":" + k.siteId() + ":" + k.subjectId();
        send.accept(
            entityId,
            new Counts(
                k.siteId(),
                k.kind(),
                k.subjectId(),
                Instant.ofEpochSecond(k.minute() * 60),
                c[0],
                c[1]));
      }
    }
  }

  private void add(Key key, boolean bot) {
    counts.compute(
        key,
        (k, c) -> {
          int[] n = c == null ? new int[2] : c;
          n[0]++;
          if (bot) {
            n[1]++;
          }
          return n;
        });
  }
}
