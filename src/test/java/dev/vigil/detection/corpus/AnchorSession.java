package dev.vigil.detection.corpus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One anchor {@code user_sessions} row with what the detector reads about it (its page-view
 * endpoints, analytics event times, engagement rows), and the 13 signals of the reference notes §3
 * evaluated the way the anchor does after every tracked request. The anchor's 45-day windows cover
 * the whole corpus, which is shorter than a day.
 */
final class AnchorSession {

  /** The sessions of one anchor fingerprint (UA + locale). */
  static final class Device {
    final String fingerprint;
    final List<AnchorSession> sessions = new ArrayList<>();
    final Set<String> ips = new HashSet<>();
    int engagementRows;

    Device(String fingerprint) {
      this.fingerprint = fingerprint;
    }
  }

  final Device device;
  final String ip;
  final long started;
  final String landing;
  long lastActivity;
  boolean ended;
  int requests;
  int engagementRows;
  boolean engagementWithTime;
  boolean ai;
  private final List<String> pageViews = new ArrayList<>();
  private final List<String> sortedViews = new ArrayList<>();
  private final Set<String> distinctViews = new HashSet<>();
  private final List<Long> eventTimes = new ArrayList<>();
  private boolean scanner;
  private String scannerReason;
  private boolean behavioural;
  private String behaviouralReason;

  AnchorSession(Device device, String ip, long started, String landing) {
    this.device = device;
    this.ip = ip;
    this.started = started;
    this.landing = landing;
    this.lastActivity = started;
    device.sessions.add(this);
    device.ips.add(ip);
  }

  boolean flagged() {
    return scanner || behavioural || ai;
  }

  String reason() {
    if (ai) {
      return "is_ai_crawler";
    }
    return scanner ? "is_scanner:" + scannerReason : behaviouralReason;
  }

  /** The analytics middleware: scanner and velocity checks, counters, one analytics_events row. */
  void track(long at, String path, boolean pageView, String ua) {
    requests++;
    lastActivity = Math.max(lastActivity, at);
    if (!scanner && (AnchorRules.scannerPath(path) || AnchorRules.scannerAgent(ua))) {
      scanner = true;
      scannerReason = AnchorRules.scannerPath(path) ? "path" : "user_agent";
    }
    long seconds = (lastActivity - started) / 1000;
    if (!scanner && seconds >= 1 && requests * 60.0 / seconds > 30) {
      scanner = true;
      scannerReason = "velocity";
    }
    eventTimes.add(at);
    if (pageView) {
      pageViews.add(path);
      int i = Collections.binarySearch(sortedViews, path);
      sortedViews.add(i < 0 ? -i - 1 : i, path);
      distinctViews.add(path);
    }
  }

  /** The behavioural detector (§3): 13 signals, suspicious at {@value AnchorBaseline#THRESHOLD}. */
  void detect(long now, int contentPages, String ua) {
    List<String> fired = new ArrayList<>();
    int score = 0;
    int fpSessions = 0;
    List<Long> starts = new ArrayList<>();
    for (AnchorSession s : device.sessions) {
      if (s.started <= now) {
        starts.add(s.started);
        fpSessions += s.started > now - AnchorBaseline.DAY ? 1 : 0;
      }
    }
    Collections.sort(starts);
    if (requests > 50) {
      score += add(fired, "high_request_count", 30);
    }
    if (contentPages > 0 && distinctViews.size() * 100.0 / contentPages > 60) {
      score += add(fired, "high_page_coverage", 25);
    }
    if (pageViews.size() >= 5 && sortedMatchRatio() > 0.7) {
      score += add(fired, "sequential_navigation", 20);
    }
    if (fpSessions > 5) {
      score += add(fired, "multiple_fingerprint_sessions", 20);
    }
    if (eventTimes.size() >= 5 && cv(eventTimes) < 0.1) {
      score += add(fired, "regular_timing", 15);
    }
    long duration = lastActivity - started;
    if (duration > 0 && pageViews.size() / (duration / 60_000.0) > 5) {
      score += add(fired, "high_pages_per_minute", 15);
    }
    if (AnchorRules.outdated(ua)) {
      score += add(fired, "outdated_browser", 25);
    }
    if (requests >= 2 && eventTimes.isEmpty()) {
      score += add(fired, "no_javascript_events", 20); // never: the server's own rows count
    }
    if (landing == null && requests == 0 && now - started >= 30_000) {
      score += add(fired, "ghost_session", 35); // never here: the detector runs after a request
    }
    if (fpSessions >= 5 && (double) device.ips.size() / fpSessions >= 0.8) {
      score += add(fired, "residential_proxy_rotation", 35);
    }
    if (fpSessions >= 10 && device.engagementRows == 0) {
      score += add(fired, "no_js_engagement", 25);
    }
    if (starts.size() >= 5 && cv(starts) < 0.1) {
      score += add(fired, "periodic_cadence", 35);
    }
    if (homeTabWatcher(fpSessions, starts)) {
      score += add(fired, "home_tab_watcher", 35);
    }
    // persisted only when the score is above zero: a flag can flip back, a zero leaves it as it was
    if (score > 0) {
      behavioural = score >= AnchorBaseline.THRESHOLD;
      behaviouralReason = behavioural ? String.join(",", fired) : null;
    }
  }

  /** What the batch reclassifiers write (score 35 ghost, 20 no JavaScript). */
  void flagByJob(int score, String reason) {
    behavioural = true;
    behaviouralReason = reason;
  }

  private boolean homeTabWatcher(int fpSessions, List<Long> starts) {
    if (requests > 2 || fpSessions < 5 || starts.size() < 2) {
      return false;
    }
    for (String p : pageViews) {
      if (!p.equals("/") && !p.isEmpty()) {
        return false;
      }
    }
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < starts.size(); i++) {
      gaps.add(starts.get(i) - starts.get(i - 1));
    }
    Collections.sort(gaps);
    long median = gaps.get(gaps.size() / 2);
    return median >= 20 * AnchorBaseline.HOUR && median <= 28 * AnchorBaseline.HOUR;
  }

  /** Share of positions where the visit order equals the lexicographically sorted order. */
  private double sortedMatchRatio() {
    int match = 0;
    for (int i = 0; i < pageViews.size(); i++) {
      match += pageViews.get(i).equals(sortedViews.get(i)) ? 1 : 0;
    }
    return (double) match / pageViews.size();
  }

  /** Population CV of the gaps between consecutive times; infinite when the mean is not > 0. */
  private static double cv(List<Long> times) {
    int n = times.size() - 1;
    double mean = (double) (times.get(n) - times.get(0)) / n;
    if (mean <= 0) {
      return Double.POSITIVE_INFINITY;
    }
    double sq = 0;
    for (int i = 1; i <= n; i++) {
      double d = times.get(i) - times.get(i - 1) - mean;
      sq += d * d;
    }
    return Math.sqrt(sq / n) / mean;
  }

  private static int add(List<String> fired, String signal, int points) {
    fired.add(signal);
    return points;
  }
}
