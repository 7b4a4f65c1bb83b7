package dev.vigil.detection;

import dev.vigil.CborSerializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a device fingerprint's sessions show together, in bounded memory: the last {@value
 * #MAX_SESSIONS} sessions with their start time, first IP (hashed), request count and whether the
 * tracker ever reported from them, plus a ten-minute window of requests and errors for the error
 * rate. Times are epoch milliseconds of the inputs.
 */
public record FingerprintSignals(
    long[] starts,
    int[] sessionHashes,
    int[] ipHashes,
    int[] requests,
    boolean[] engaged,
    long windowStart,
    int windowRequests,
    int windowErrors)
    implements CborSerializable {

  static final int MAX_SESSIONS = 64;
  private static final long DAY = Duration.ofHours(24).toMillis();
  private static final long HOUR = Duration.ofHours(1).toMillis();
  private static final long ERROR_WINDOW = Duration.ofMinutes(10).toMillis();

  public static final FingerprintSignals EMPTY =
      new FingerprintSignals(
          new long[0], new int[0], new int[0], new int[0], new boolean[0], -1, 0, 0);

  /** A request of one of the fingerprint's sessions; {@code newSession} on its first request. */
  public FingerprintSignals onRequest(
      String sessionId, boolean newSession, Instant at, String ip, boolean error) {
    long t = at.toEpochMilli();
    boolean rollWindow = windowStart < 0 || t - windowStart >= ERROR_WINDOW;
    long ws = rollWindow ? t : windowStart;
    int wr = (rollWindow ? 0 : windowRequests) + 1;
    int we = (rollWindow ? 0 : windowErrors) + (error ? 1 : 0);
    int idx = newSession ? -1 : indexOf(sessionId.hashCode());
    if (idx >= 0) {
      int[] req = requests.clone();
      req[idx]++;
      return new FingerprintSignals(starts, sessionHashes, ipHashes, req, engaged, ws, wr, we);
    }
    // a new session (or one older than what is remembered): append, dropping the oldest
    int keep = Math.min(starts.length, MAX_SESSIONS - 1);
    int from = starts.length - keep;
    long[] s = new long[keep + 1];
    int[] h = new int[keep + 1];
    int[] ips = new int[keep + 1];
    int[] req = new int[keep + 1];
    boolean[] eng = new boolean[keep + 1];
    System.arraycopy(starts, from, s, 0, keep);
    System.arraycopy(sessionHashes, from, h, 0, keep);
    System.arraycopy(ipHashes, from, ips, 0, keep);
    System.arraycopy(requests, from, req, 0, keep);
    System.arraycopy(engaged, from, eng, 0, keep);
    s[keep] = t;
    h[keep] = sessionId.hashCode();
    ips[keep] = ip == null ? 0 : ip.hashCode();
    req[keep] = 1;
    return new FingerprintSignals(s, h, ips, req, eng, ws, wr, we);
  }

  /** Starts a new error-rate window (after the rate has triggered an escalation). */
  public FingerprintSignals resetErrorWindow(Instant at) {
    return new FingerprintSignals(
        starts, sessionHashes, ipHashes, requests, engaged, at.toEpochMilli(), 0, 0);
  }

  /** The tracker reported from one of the sessions. */
  public FingerprintSignals onBeacon(String sessionId) {
    int idx = indexOf(sessionId.hashCode());
    if (idx < 0 || engaged[idx]) {
      return this;
    }
    boolean[] eng = engaged.clone();
    eng[idx] = true;
    return new FingerprintSignals(
        starts, sessionHashes, ipHashes, requests, eng, windowStart, windowRequests, windowErrors);
  }

  public boolean knows(String sessionId) {
    return indexOf(sessionId.hashCode()) >= 0;
  }

  public int sessionsSince(Instant now, long windowMs) {
    long from = now.toEpochMilli() - windowMs;
    int n = 0;
    for (long s : starts) {
      if (s > from) {
        n++;
      }
    }
    return n;
  }

  /** Distinct client IPs among the sessions started in the window. */
  public int distinctIpsSince(Instant now, long windowMs) {
    long from = now.toEpochMilli() - windowMs;
    Set<Integer> ips = new HashSet<>();
    for (int i = 0; i < starts.length; i++) {
      if (starts[i] > from) {
        ips.add(ipHashes[i]);
      }
    }
    return ips.size();
  }

  /** Whether the error rate is above the limit over more than the minimum of requests. */
  public boolean errorRateExceeded(DetectionSettings.Throttle t) {
    return windowRequests > t.errorMinRequests()
        && (double) windowErrors / windowRequests > t.errorRate();
  }

  public List<FiredSignal> evaluate(Instant now, DetectionSettings s) {
    DetectionSettings.Limits l = s.limits();
    long nowMs = now.toEpochMilli();
    int day = 0;
    int hour = 0;
    int hourSingle = 0;
    boolean anyEngaged = false;
    Set<Integer> dayIps = new HashSet<>();
    for (int i = 0; i < starts.length; i++) {
      if (starts[i] > nowMs - DAY) {
        day++;
        dayIps.add(ipHashes[i]);
        anyEngaged |= engaged[i];
      }
      if (starts[i] > nowMs - HOUR) {
        hour++;
        hourSingle += requests[i] == 1 ? 1 : 0;
      }
    }
    List<FiredSignal> fired = new ArrayList<>();
    if (day > l.sessionsPerDay()) {
      add(fired, s, Signal.MANY_SESSIONS);
    }
    if (hour >= l.burstSessions() && (double) hourSingle / hour > l.burstSingleRequestShare()) {
      add(fired, s, Signal.COOKIELESS_BURST);
    }
    if (day >= l.rotationMinSessions() && (double) dayIps.size() / day >= l.rotationIpShare()) {
      add(fired, s, Signal.IP_ROTATION);
    }
    if (day >= l.noEngagementSessions() && !anyEngaged) {
      add(fired, s, Signal.NO_ENGAGEMENT_ACROSS_SESSIONS);
    }
    if (starts.length >= l.cadenceMinStarts() && startGaps().cv() < l.cadenceMaxCv()) {
      add(fired, s, Signal.PERIODIC_CADENCE);
    }
    return fired;
  }

  private Welford startGaps() {
    Welford w = Welford.EMPTY;
    for (int i = 1; i < starts.length; i++) {
      w = w.add(starts[i] - starts[i - 1]);
    }
    return w;
  }

  private int indexOf(int hash) {
    for (int i = sessionHashes.length - 1; i >= 0; i--) {
      if (sessionHashes[i] == hash) {
        return i;
      }
    }
    return -1;
  }

  private static void add(List<FiredSignal> fired, DetectionSettings s, Signal signal) {
    fired.add(new FiredSignal(signal, s.points(signal)));
  }
}
