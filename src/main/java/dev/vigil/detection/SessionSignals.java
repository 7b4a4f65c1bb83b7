package dev.vigil.detection;

import dev.vigil.CborSerializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A session's behavioural evidence, updated per request or beacon in O(1) time and bounded memory:
 * counters, a Welford accumulator of the gaps between page requests, a bounded set of page hashes,
 * the last path for crawl-order detection, and two header checks made once. Times are epoch
 * milliseconds of the inputs (explicit timestamps when replayed), -1 when unknown.
 */
public record SessionSignals(
    int requests,
    int pageRequests,
    int beacons,
    long openedAt,
    long firstPageAt,
    long lastPageAt,
    long lastRequestAt,
    Welford pageGaps,
    int[] pageHashes,
    String lastPath,
    int transitions,
    int ascending,
    boolean outdatedBrowser,
    boolean headerInconsistency)
    implements CborSerializable {

  /** Distinct pages remembered per session; beyond it coverage is already far past any site. */
  static final int MAX_PAGES = 512;

  /** Characters of the last path kept for crawl-order comparison. */
  static final int MAX_PATH = 512;

  private static final Pattern CHROME = Pattern.compile("(?:Chrome|CriOS)/(\\d+)");
  private static final Pattern FIREFOX = Pattern.compile("(?:Firefox|FxiOS)/(\\d+)");

  public static SessionSignals opened(Instant at) {
    return new SessionSignals(
        0,
        0,
        0,
        at.toEpochMilli(),
        -1,
        -1,
        -1,
        Welford.EMPTY,
        new int[0],
        null,
        0,
        0,
        false,
        false);
  }

  public SessionSignals onRequest(RequestFacts f, int browserMajorFloor) {
    long at = f.at().toEpochMilli();
    boolean first = requests == 0;
    boolean outdated = first ? isOutdated(f.userAgent(), browserMajorFloor) : outdatedBrowser;
    boolean inconsistent = first ? isInconsistent(f) : headerInconsistency;
    if (!f.isPageRequest()) {
      return new SessionSignals(
          requests + 1,
          pageRequests,
          beacons,
          openedAt,
          firstPageAt,
          lastPageAt,
          at,
          pageGaps,
          pageHashes,
          lastPath,
          transitions,
          ascending,
          outdated,
          inconsistent);
    }
    String full = f.path() == null ? "/" : f.path();
    // compare what is stored: a path longer than the stored prefix must not look like a move
    // (and an ascending one) when it is requested again
    String path = full.length() > MAX_PATH ? full.substring(0, MAX_PATH) : full;
    Welford gaps = lastPageAt >= 0 ? pageGaps.add(Math.max(0, at - lastPageAt)) : pageGaps;
    boolean moved = lastPath != null && !lastPath.equals(path);
    return new SessionSignals(
        requests + 1,
        pageRequests + 1,
        beacons,
        openedAt,
        firstPageAt < 0 ? at : firstPageAt,
        at,
        at,
        gaps,
        withPage(pageHashes, path.hashCode()),
        path,
        transitions + (moved ? 1 : 0),
        ascending + (moved && path.compareTo(lastPath) > 0 ? 1 : 0),
        outdated,
        inconsistent);
  }

  public SessionSignals onBeacon() {
    return new SessionSignals(
        requests,
        pageRequests,
        beacons + 1,
        openedAt,
        firstPageAt,
        lastPageAt,
        lastRequestAt,
        pageGaps,
        pageHashes,
        lastPath,
        transitions,
        ascending,
        outdatedBrowser,
        headerInconsistency);
  }

  public int distinctPages() {
    return pageHashes.length;
  }

  /**
   * The session-owned signals that fire now. {@code sitePages} is the site's page count for
   * coverage; {@code siteRunsTracker} enables the no-JavaScript signal.
   */
  public List<FiredSignal> evaluate(
      Instant now, DetectionSettings s, int sitePages, boolean siteRunsTracker) {
    DetectionSettings.Limits l = s.limits();
    long nowMs = now.toEpochMilli();
    long grace = l.engagementGrace().toMillis();
    List<FiredSignal> fired = new ArrayList<>();
    if (pageRequests > l.sessionPageRequests()) {
      add(fired, s, Signal.HIGH_REQUEST_COUNT);
    }
    if (sitePages > 0 && (double) distinctPages() / sitePages > l.pageCoverage()) {
      add(fired, s, Signal.HIGH_PAGE_COVERAGE);
    }
    if (pageRequests >= l.sequentialMinViews()
        && transitions > 0
        && (double) ascending / transitions > l.sequentialShare()) {
      add(fired, s, Signal.SEQUENTIAL_NAVIGATION);
    }
    if (pageGaps.count() >= l.timingMinGaps() && pageGaps.cv() < l.timingMaxCv()) {
      add(fired, s, Signal.REGULAR_TIMING);
    }
    // "over at least one minute": rates are counted over the session's span, or one minute
    // when it is shorter, so a burst fires as soon as it exceeds one minute's allowance.
    double minutes = Math.max(1.0, (lastRequestAt - openedAt) / 60_000.0);
    if (pageRequests / minutes > l.pagesPerMinute()) {
      add(fired, s, Signal.HIGH_PAGES_PER_MINUTE);
    }
    if (requests / minutes > l.requestsPerMinute()) {
      add(fired, s, Signal.HIGH_VELOCITY);
    }
    if (outdatedBrowser) {
      add(fired, s, Signal.OUTDATED_BROWSER);
    }
    if (headerInconsistency) {
      add(fired, s, Signal.HEADER_INCONSISTENCY);
    }
    if (siteRunsTracker && pageRequests >= 2 && beacons == 0 && nowMs - firstPageAt >= grace) {
      add(fired, s, Signal.NO_JS_ENGAGEMENT);
    }
    if (pageRequests == 0 && beacons == 0 && nowMs - openedAt >= grace) {
      add(fired, s, Signal.GHOST_SESSION);
    }
    return fired;
  }

  static boolean isOutdated(String ua, int floor) {
    if (ua == null) {
      return false;
    }
    for (Pattern p : new Pattern[] {CHROME, FIREFOX}) {
      Matcher m = p.matcher(ua);
      if (m.find()) {
        try {
          return Integer.parseInt(m.group(1)) < floor;
        } catch (NumberFormatException e) {
          return false;
        }
      }
    }
    return false;
  }

  /** A browser UA without accept-language, or a Chromium UA without client hints over https. */
  static boolean isInconsistent(RequestFacts f) {
    String ua = f.userAgent() == null ? "" : f.userAgent();
    boolean browser =
        ua.startsWith("Mozilla/5.0")
            && (ua.contains("Chrome/") || ua.contains("Firefox/") || ua.contains("Safari/"));
    if (!browser) {
      return false;
    }
    if (f.acceptLanguage() == null || f.acceptLanguage().isBlank()) {
      return true;
    }
    boolean chromium = ua.contains("Chrome/") && !ua.contains("Firefox/");
    return chromium && f.https() && (f.secChUa() == null || f.secChUa().isBlank());
  }

  private static int[] withPage(int[] hashes, int hash) {
    int i = Arrays.binarySearch(hashes, hash);
    if (i >= 0 || hashes.length >= MAX_PAGES) {
      return hashes;
    }
    int at = -i - 1;
    int[] grown = new int[hashes.length + 1];
    System.arraycopy(hashes, 0, grown, 0, at);
    grown[at] = hash;
    System.arraycopy(hashes, at, grown, at + 1, hashes.length - at);
    return grown;
  }

  private static void add(List<FiredSignal> fired, DetectionSettings s, Signal signal) {
    fired.add(new FiredSignal(signal, s.points(signal)));
  }
}
