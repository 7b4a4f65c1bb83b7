package dev.vigil.detection.corpus;

import dev.vigil.detection.corpus.Clients.Browser;
import dev.vigil.detection.corpus.Trace.Request;
import dev.vigil.detection.corpus.Trace.Step;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * People: one to eight visits over the day (a new session each, since the 30-minute cookie has
 * lapsed in between), landing from search, social or directly, then following links with lognormal
 * reading times, the tracker reporting each page (see {@link PageBeacons}). Variants, each a share
 * of the population: people whose ad blocker stops the tracker, heavy readers (25-95 pages in a
 * visit), tab openers (several links opened from one page within seconds), docs readers (who mostly
 * click "next"), phones whose address moves between visits, coworkers behind one office NAT with
 * the same browser build, and a few on the last Chrome for Windows 7.
 */
final class HumanTraces {
  static final double TRACKER_BLOCKED = 0.10;
  static final double HEAVY_READER = 0.05;
  static final double TAB_OPENER = 0.20;
  static final double DOCS_READER = 0.12;
  static final double OUTDATED_BROWSER = 0.015;

  private static final long SECOND = 1000;
  private static final long MINUTE = 60 * SECOND;

  /** An office: one public address and one managed browser build for several people. */
  record Office(String ip, Browser browser, String language, String group) {}

  private record Profile(
      Browser browser,
      String language,
      boolean trackerBlocked,
      boolean heavy,
      boolean tabs,
      boolean docs,
      boolean rotatesNetwork) {}

  private final SyntheticSite site;
  private final long span;

  HumanTraces(SyntheticSite site, long span) {
    this.site = site;
    this.span = span;
  }

  Actor human(int id, SplittableRandom rnd, Office office) {
    Browser browser =
        office != null
            ? office.browser()
            : rnd.nextDouble() < OUTDATED_BROWSER ? Clients.CHROME_WIN7 : Clients.browser(rnd);
    String language = office != null ? office.language() : Clients.language(rnd);
    Profile p =
        new Profile(
            browser,
            Clients.languageFor(browser, language),
            rnd.nextDouble() < TRACKER_BLOCKED,
            rnd.nextDouble() < HEAVY_READER,
            rnd.nextDouble() < TAB_OPENER,
            rnd.nextDouble() < DOCS_READER,
            browser.mobileDevice() && rnd.nextDouble() < 0.5);
    String visitor = String.format("vis%05d%04x", id, rnd.nextInt(0x10000));
    String net = Clients.residentialNet(rnd);
    String ip = office != null ? office.ip() : Clients.host(net, rnd);
    List<Step> steps = new ArrayList<>();
    long t = (long) (rnd.nextDouble() * (span - 40 * MINUTE));
    int visits = 1;
    while (visits < 8 && rnd.nextDouble() < 0.45) {
      visits++;
    }
    for (int v = 0; v < visits && t < span - 10 * MINUTE; v++) {
      if (v > 0 && p.rotatesNetwork()) {
        // a phone's carrier hands out a new address: often another /24, sometimes the same one
        ip = rnd.nextDouble() < 0.3 ? Clients.host(net, rnd) : Clients.host(newNet(rnd), rnd);
      }
      String session = "h" + id + "v" + v;
      long end = visit(steps, t, session, visitor, ip, p, rnd);
      // the next visit comes after the cookie's 30 minutes of inactivity have lapsed
      t = end + 35 * MINUTE + (long) (-Math.log(1 - rnd.nextDouble()) * 150 * MINUTE);
    }
    steps.sort(Comparator.comparingLong(Step::at));
    return new Actor(id, Actor.Kind.HUMAN, describe(p, office), group(id, office), steps);
  }

  private static String newNet(SplittableRandom rnd) {
    return Clients.residentialNet(rnd);
  }

  private long visit(
      List<Step> steps,
      long start,
      String session,
      String visitor,
      String ip,
      Profile p,
      SplittableRandom rnd) {
    PageBeacons beacons =
        p.trackerBlocked()
            ? null
            : new PageBeacons(site, steps, session, visitor, p.browser(), p.language(), rnd);
    int pages =
        p.heavy()
            ? 25 + rnd.nextInt(71)
            : (int) Math.min(40, Math.max(1, Math.round(Clients.lognormal(rnd, 2.5, 0.9))));
    double landing = rnd.nextDouble();
    int page = landing < 0.35 ? 0 : site.popularPage(rnd);
    String referer =
        landing < 0.35
            ? null
            : landing < 0.85 ? "https://www.google.com/" : "https://t.co/" + rnd.nextInt(99999);
    String query = landing >= 0.35 && rnd.nextDouble() < 0.1 ? "utm_source=newsletter" : null;
    long t = start;
    int viewed = 0;
    int previous = -1;
    while (true) {
      steps.add(request(t, session, ip, p, page, query, referer));
      viewed++;
      query = null;
      if (p.tabs() && viewed < pages && site.links(page).length >= 4 && rnd.nextDouble() < 0.35) {
        int[] tabs = pick(site.links(page), Math.min(pages - viewed, 3 + rnd.nextInt(5)), rnd);
        long opened = t + (long) Clients.lognormal(rnd, 8 * SECOND, 0.6);
        long[] loadedAt = new long[tabs.length];
        for (int i = 0; i < tabs.length; i++) {
          opened += 400 + rnd.nextInt(1600); // a middle-click every half second to two seconds
          loadedAt[i] = opened;
          steps.add(request(opened, session, ip, p, tabs[i], null, site.url(page)));
        }
        if (beacons != null) {
          beacons.page(page, t, t, opened + 500, -1);
        }
        viewed += tabs.length;
        int last = tabs[tabs.length - 1];
        int to = viewed < pages ? nextPage(last, page, p, rnd) : -1;
        long reading = opened + 1000;
        for (int i = 0; i < tabs.length; i++) {
          long dwell = dwell(p, rnd);
          if (beacons != null) {
            beacons.page(
                tabs[i], loadedAt[i], reading, reading + dwell, i == tabs.length - 1 ? to : -1);
          }
          reading += dwell + 300;
        }
        if (to < 0) {
          return reading;
        }
        referer = site.url(last);
        previous = last;
        page = to;
        t = reading + 150 + rnd.nextInt(1000);
        continue;
      }
      long dwell = dwell(p, rnd);
      int to = viewed < pages ? nextPage(page, previous, p, rnd) : -1;
      if (beacons != null) {
        beacons.page(page, t, t, t + dwell, to);
      }
      if (to < 0) {
        return t + dwell;
      }
      referer = site.url(page);
      previous = page;
      page = to;
      t += dwell + 150 + rnd.nextInt(1000); // the navigation itself
    }
  }

  private int nextPage(int page, int previous, Profile p, SplittableRandom rnd) {
    if (p.docs() && site.next(page) >= 0 && rnd.nextDouble() < 0.85) {
      return site.next(page);
    }
    double r = rnd.nextDouble();
    if (r < 0.08 && previous >= 0) {
      return previous; // back
    }
    if (r < 0.14) {
      return 0; // the logo
    }
    int[] links = site.links(page);
    return links[rnd.nextInt(links.length)];
  }

  private static long dwell(Profile p, SplittableRandom rnd) {
    double median = p.heavy() ? 40 * SECOND : 22 * SECOND;
    double d = Clients.lognormal(rnd, median, p.heavy() ? 0.8 : 1.0);
    return (long) Math.max(2 * SECOND, Math.min(12 * MINUTE, d));
  }

  private Request request(
      long at, String session, String ip, Profile p, int page, String query, String referer) {
    Browser b = p.browser();
    return new Request(
        at,
        session,
        ip,
        "GET",
        site.path(page),
        query,
        b.userAgent(),
        Clients.accept(b),
        p.language(),
        b.secChUa(),
        b.platform(),
        b.mobile(),
        referer,
        true);
  }

  private static int[] pick(int[] from, int n, SplittableRandom rnd) {
    Set<Integer> chosen = new LinkedHashSet<>();
    while (chosen.size() < Math.min(n, from.length)) {
      chosen.add(from[rnd.nextInt(from.length)]);
    }
    return chosen.stream().mapToInt(Integer::intValue).toArray();
  }

  private static String describe(Profile p, Office office) {
    List<String> tags = new ArrayList<>();
    tags.add(p.browser().name());
    if (p.trackerBlocked()) {
      tags.add("tracker-blocked");
    }
    if (p.heavy()) {
      tags.add("heavy-reader");
    }
    if (p.tabs()) {
      tags.add("tab-opener");
    }
    if (p.docs()) {
      tags.add("docs-reader");
    }
    if (p.rotatesNetwork()) {
      tags.add("mobile-rotating");
    }
    if (office != null) {
      tags.add("office");
    }
    return String.join(",", tags);
  }

  private static String group(int id, Office office) {
    return office != null ? office.group() : "a" + id;
  }
}
