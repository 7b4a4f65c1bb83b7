package dev.vigil.detection.corpus;

import dev.vigil.detection.corpus.Actor.Kind;
import dev.vigil.detection.corpus.Trace.Step;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Bots that fetch pages one after another from one address: declared crawlers (Googlebot from
 * Google's range, Bingbot from Microsoft's), the same claim from elsewhere, HTTP tools, scrapers
 * with a browser's user agent but none of its other headers or cookies, headless browsers with
 * every header and a kept cookie but machine timing and no tracker, and slow crawlers that walk the
 * site in path order with jittered, human-slow pauses.
 */
final class CrawlerTraces {
  private static final long SECOND = 1000;
  private static final long HOUR = 3600 * SECOND;

  private final SyntheticSite site;
  private final long span;

  CrawlerTraces(SyntheticSite site, long span) {
    this.site = site;
    this.span = span;
  }

  Actor declared(int id, SplittableRandom rnd) {
    boolean google = rnd.nextDouble() < 0.6;
    String ip =
        google
            ? "66.249." + (64 + rnd.nextInt(16)) + "." + (1 + rnd.nextInt(254))
            : (rnd.nextBoolean() ? "157.55.39." : "40.77.167.") + (1 + rnd.nextInt(254));
    String ua =
        google
            ? (rnd.nextBoolean() ? Clients.GOOGLEBOT : Clients.GOOGLEBOT_SMARTPHONE)
            : Clients.BINGBOT;
    Headers h = Headers.agent(ua, Clients.ACCEPT_HTML_GECKO);
    long t = start(rnd, 4 * HOUR);
    List<Step> steps = new ArrayList<>();
    int n = 6 + rnd.nextInt(20);
    for (int i = 0; i < n; i++) {
      steps.add(h.get(t, null, ip, site.path(rnd.nextInt(site.size())), null));
      t += 2 * SECOND + (long) (-Math.log(1 - rnd.nextDouble()) * 90 * SECOND);
    }
    return new Actor(id, Kind.DECLARED_CRAWLER, google ? "googlebot" : "bingbot", "a" + id, steps);
  }

  Actor spoofedCrawler(int id, SplittableRandom rnd) {
    String ip = Clients.host(Clients.datacenterNet(rnd), rnd);
    Headers h = Headers.agent(Clients.GOOGLEBOT, Clients.ACCEPT_HTML_GECKO);
    return paced(id, Kind.SPOOFED_CRAWLER, "googlebot-claim", h, ip, 4 + rnd.nextInt(9), rnd);
  }

  Actor tool(int id, SplittableRandom rnd) {
    String ua = Clients.TOOLS[rnd.nextInt(Clients.TOOLS.length)];
    String ip = Clients.host(Clients.datacenterNet(rnd), rnd);
    Headers h = Headers.agent(ua, "*/*");
    return paced(id, Kind.AUTOMATION_TOOL, ua.split("/")[0], h, ip, 4 + rnd.nextInt(13), rnd);
  }

  /** Random pages at 1-15 s, no cookies. */
  private Actor paced(
      int id, Kind kind, String profile, Headers h, String ip, int n, SplittableRandom rnd) {
    long t = start(rnd, 2 * HOUR);
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      steps.add(h.get(t, null, ip, site.path(rnd.nextInt(site.size())), null));
      t += SECOND + rnd.nextInt(14_000);
    }
    return new Actor(id, kind, profile, "a" + id, steps);
  }

  /** A browser user agent without client hints, no cookies, a link walk at 2-15 s. */
  Actor spoofedUa(int id, SplittableRandom rnd) {
    Clients.Browser b = rnd.nextBoolean() ? Clients.CHROME_WIN : Clients.CHROME_MAC;
    String language = rnd.nextBoolean() ? "en-US,en;q=0.9" : null;
    Headers h = Headers.spoofed(b, language);
    String ip = Clients.host(Clients.datacenterNet(rnd), rnd);
    long t = start(rnd, 3 * HOUR);
    List<Step> steps = new ArrayList<>();
    int page = 0;
    int n = 30 + rnd.nextInt(71);
    for (int i = 0; i < n; i++) {
      steps.add(h.get(t, null, ip, site.path(page), null));
      int[] links = site.links(page);
      page = links[rnd.nextInt(links.length)];
      t += 2 * SECOND + rnd.nextInt(13_000);
    }
    String profile = b.name() + (language == null ? ",no-language" : ",language");
    return new Actor(id, Kind.SPOOFED_UA_SCRAPER, profile, "a" + id, steps);
  }

  /** Every header, cookie kept, breadth-first over the links at a steady 0.8-3 s, no tracker. */
  Actor headless(int id, SplittableRandom rnd) {
    Headers h = Headers.browser(Clients.CHROME_WIN, "en-US,en;q=0.9");
    String ip = Clients.host(Clients.datacenterNet(rnd), rnd);
    double interval = 800 + rnd.nextInt(2200);
    double jitter = 0.02 + 0.04 * rnd.nextDouble(); // load-time noise, a few per cent
    long t = start(rnd, 3 * HOUR);
    List<Step> steps = new ArrayList<>();
    Deque<Integer> queue = new ArrayDeque<>(List.of(0));
    Set<Integer> seen = new HashSet<>(List.of(0));
    int n = 40 + rnd.nextInt(81);
    String session = "c" + id;
    String referer = null;
    for (int i = 0; i < n && !queue.isEmpty(); i++) {
      int page = queue.poll();
      steps.add(h.get(t, session, ip, site.path(page), referer));
      referer = site.url(page);
      for (int l : site.links(page)) {
        if (seen.add(l)) {
          queue.add(l);
        }
      }
      t += (long) (interval * (1 + jitter * Clients.gaussian(rnd)));
    }
    return new Actor(id, Kind.HEADLESS_CRAWLER, "headless-chrome", "a" + id, steps);
  }

  /**
   * The site in path order (a sorted sitemap), skipping a random 5-30 %, cookie kept, pauses of
   * 15-60 s with a lognormal jitter: slow enough for any rate limit, irregular enough for a timing
   * check.
   */
  Actor slow(int id, SplittableRandom rnd) {
    Clients.Browser b = rnd.nextBoolean() ? Clients.CHROME_WIN : Clients.FIREFOX_WIN;
    Headers h = Headers.browser(b, "en-US,en;q=0.9");
    String ip =
        Clients.host(
            rnd.nextBoolean() ? Clients.datacenterNet(rnd) : Clients.residentialNet(rnd), rnd);
    List<String> paths = new ArrayList<>(site.paths());
    Collections.sort(paths);
    double skip = 0.05 + 0.25 * rnd.nextDouble();
    double pause = 15 * SECOND + rnd.nextInt(45) * SECOND;
    long t = start(rnd, 5 * HOUR);
    List<Step> steps = new ArrayList<>();
    String session = "c" + id;
    for (String path : paths) {
      if (rnd.nextDouble() < skip) {
        continue;
      }
      steps.add(h.get(t, session, ip, path, null));
      t += (long) Clients.lognormal(rnd, pause, 0.5);
    }
    return new Actor(id, Kind.SLOW_CRAWLER, b.name(), "a" + id, steps);
  }

  /** A start time that leaves the actor {@code room} before the corpus ends. */
  private long start(SplittableRandom rnd, long room) {
    return (long) (rnd.nextDouble() * (span - room));
  }
}
