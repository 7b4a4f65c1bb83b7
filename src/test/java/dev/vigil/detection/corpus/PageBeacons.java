package dev.vigil.detection.corpus;

import dev.vigil.detection.corpus.Clients.Browser;
import dev.vigil.detection.corpus.Trace.Beacons;
import dev.vigil.detection.corpus.Trace.Event;
import dev.vigil.detection.corpus.Trace.Step;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What the tracker sends for one page a person views, as the engagement spec describes it: {@code
 * page_view} on load, {@code scroll} milestones as the reader gets there, a {@code link_click} when
 * leaving by a link, and {@code page_exit} with the page's numbers; flushed a few seconds after
 * load and on {@code pagehide}. (The tracker also flushes during a long read; those batches change
 * nothing detection reads, so the corpus leaves them out to keep replays short.)
 */
final class PageBeacons {
  private static final int[] MILESTONES = {25, 50, 75, 90, 100};

  private final SyntheticSite site;
  private final List<Step> out;
  private final String session;
  private final String visitor;
  private final Browser browser;
  private final String language;
  private final SplittableRandom rnd;
  private final int viewportWidth;
  private final int viewportHeight;

  PageBeacons(
      SyntheticSite site,
      List<Step> out,
      String session,
      String visitor,
      Browser browser,
      String language,
      SplittableRandom rnd) {
    this.site = site;
    this.out = out;
    this.session = session;
    this.visitor = visitor;
    this.browser = browser;
    this.language = language;
    this.rnd = rnd;
    this.viewportWidth = browser.mobileDevice() ? 390 + rnd.nextInt(40) : 1280 + rnd.nextInt(640);
    this.viewportHeight = browser.mobileDevice() ? 660 + rnd.nextInt(200) : 650 + rnd.nextInt(400);
  }

  /**
   * The events of one page: loaded at {@code loadedAt}, read from {@code readFrom} (later than the
   * load for a tab opened in the background), left at {@code leaveAt}, by a link to {@code next}
   * (or -1).
   */
  void page(int page, long loadedAt, long readFrom, long leaveAt, int next) {
    String path = site.path(page);
    long read = leaveAt - readFrom;
    List<Event> events = new ArrayList<>();
    events.add(new Event("page_view", loadedAt + 250 + rnd.nextInt(950), path, pageViewFields()));
    int depth = read < 8000 ? rnd.nextInt(36) : 35 + rnd.nextInt(66);
    long firstScroll = -1;
    long previous = readFrom + 1500;
    for (int m : MILESTONES) {
      if (m > depth) {
        break;
      }
      long span = Math.max(1, leaveAt - 200 - previous);
      long at = previous + (long) (rnd.nextDouble() * Math.min(span, read / 3 + 1));
      previous = at;
      firstScroll = firstScroll < 0 ? at : firstScroll;
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("milestone", m);
      f.put("direction", "down");
      f.put("velocity", 100 + rnd.nextInt(1900));
      events.add(new Event("scroll", at, path, f));
    }
    if (next >= 0) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("targetUrl", site.url(next));
      f.put("text", site.path(next).substring(site.path(next).lastIndexOf('/') + 1));
      f.put("external", false);
      events.add(new Event("link_click", leaveAt - 120, path, f));
    }
    events.add(
        new Event(
            "page_exit",
            leaveAt,
            path,
            exitFields(loadedAt, readFrom, leaveAt, depth, firstScroll, next)));
    flush(events, loadedAt, readFrom, leaveAt);
  }

  private void flush(List<Event> events, long loadedAt, long readFrom, long leaveAt) {
    List<Long> times = new ArrayList<>();
    long first = loadedAt + 2000 + rnd.nextInt(3000);
    if (first < leaveAt) {
      times.add(first);
    }
    times.add(leaveAt);
    int from = 0;
    events.sort(java.util.Comparator.comparingLong(Event::at));
    for (long at : times) {
      List<Event> batch = new ArrayList<>();
      while (from < events.size() && events.get(from).at() <= at) {
        batch.add(events.get(from++));
      }
      if (!batch.isEmpty()) {
        out.add(new Beacons(at, session, visitor, browser.userAgent(), batch));
      }
    }
  }

  private Map<String, Object> pageViewFields() {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("viewportWidth", viewportWidth);
    f.put("viewportHeight", viewportHeight);
    f.put("screenWidth", browser.mobileDevice() ? viewportWidth : 1920);
    f.put("screenHeight", browser.mobileDevice() ? viewportHeight + 120 : 1080);
    f.put("language", language.split(",")[0]);
    f.put("timezone", "Europe/Berlin");
    return f;
  }

  private Map<String, Object> exitFields(
      long loadedAt, long readFrom, long leaveAt, int depth, long firstScroll, int next) {
    long onPage = leaveAt - loadedAt;
    long hidden = readFrom - loadedAt;
    long visible = onPage - hidden;
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("timeOnPageMs", onPage);
    f.put("visibleMs", visible);
    f.put("hiddenMs", hidden);
    f.put("focusMs", (long) (visible * (0.85 + 0.15 * rnd.nextDouble())));
    if (leaveAt - readFrom > 3000) {
      f.put("firstInteractionMs", hidden + 400 + rnd.nextInt(2600));
    }
    if (firstScroll >= 0) {
      f.put("firstScrollMs", firstScroll - loadedAt);
    }
    f.put("maxScrollDepth", depth);
    f.put("scrollVelocity", depth > 0 ? 150 + rnd.nextInt(2350) : 0);
    f.put("clicks", (next >= 0 ? 1 : 0) + (rnd.nextDouble() < 0.2 ? 1 : 0));
    f.put("rageClicks", rnd.nextDouble() < 0.01 ? 1 : 0);
    f.put("deadClicks", rnd.nextDouble() < 0.1 ? 1 : 0);
    f.put("scrollDirectionChanges", depth > 25 ? rnd.nextInt(7) : 0);
    f.put("keyPresses", rnd.nextDouble() < 0.05 ? 1 + rnd.nextInt(40) : 0);
    f.put("copies", rnd.nextDouble() < 0.03 ? 1 : 0);
    int switches = hidden > 0 ? 1 : rnd.nextDouble() < 0.1 ? 1 : 0;
    f.put("tabSwitches", switches);
    f.put("blurs", switches + rnd.nextInt(2));
    f.put("mouseDistance", browser.mobileDevice() ? 0 : 300 + rnd.nextInt(29_700));
    return f;
  }
}
