package dev.vigil.detection.corpus;

import dev.vigil.detection.corpus.Actor.Kind;
import dev.vigil.detection.corpus.Trace.Step;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Bots that spread or repeat: scraper farms behind rotating residential proxies, periodic monitors,
 * and vulnerability scanners.
 *
 * <p>Farms send one browser's full header set (hints and language included, so nothing in a single
 * request gives them away) and never keep a cookie; each request leaves from another address. Since
 * Vigil's fingerprint includes the address's /24, what a farm looks like depends on how its
 * addresses spread: a pool inside a few /24s (one provider's blocks) shows a handful of
 * fingerprints with many sessions each; a pool spread across thousands of /24s shows a new
 * fingerprint on almost every request. Both are generated, as separate kinds.
 */
final class FleetTraces {
  private static final long SECOND = 1000;
  private static final long MINUTE = 60 * SECOND;
  private static final long HOUR = 60 * MINUTE;

  private static final String[] PROBES = {
    "/wp-login.php",
    "/wp-admin/",
    "/.env",
    "/.git/config",
    "/phpmyadmin/",
    "/xmlrpc.php",
    "/wp-content/plugins/",
    "/config.php",
    "/backup.sql",
    "/admin.php",
    "/.aws/credentials",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    "/server-status",
    "/actuator/env",
    "/cgi-bin/luci",
    "/db.bak",
    "/old/index.php",
    "/.ssh/id_rsa",
    "/shell.php",
    "/info.php",
    "/login.asp",
    "/.DS_Store",
    "/etc/passwd",
    "/boaform/admin/formLogin"
  };
  private static final String[] SCANNER_AGENTS = {
    "Mozilla/5.0 zgrab/0.x",
    "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:Port Check)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
        + " Chrome/81.0.4044.129 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
        + " Chrome/74.0.3729.169 Safari/537.36",
    Clients.CHROME_WIN.userAgent()
  };
  private static final String[] SCANNER_AGENT_NAMES = {
    "zgrab", "nikto", "chrome-81", "chrome-74", "chrome-131"
  };
  private static final int[] SCANNER_AGENT_WEIGHTS = {4, 3, 5, 3, 9};

  private final SyntheticSite site;
  private final long span;

  FleetTraces(SyntheticSite site, long span) {
    this.site = site;
    this.span = span;
  }

  /**
   * @param networks how many /24 networks the proxy pool spans; 0 for a pool so wide that every
   *     request leaves from another /24
   */
  Actor farm(int id, int networks, SplittableRandom rnd) {
    Headers h = Headers.browser(Clients.CHROME_WIN, "en-US,en;q=0.9");
    List<String> nets = new ArrayList<>();
    for (int i = 0; i < networks; i++) {
      nets.add(Clients.residentialNet(rnd));
    }
    List<Integer> queue = new ArrayList<>();
    for (int p = 1; p < site.size(); p++) {
      queue.add(p);
    }
    Collections.shuffle(queue, new java.util.Random(rnd.nextLong()));
    int n = Math.min(queue.size(), 40 + rnd.nextInt(51));
    long t = (long) (rnd.nextDouble() * (span - 2 * HOUR));
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String net = networks > 0 ? nets.get(rnd.nextInt(nets.size())) : Clients.residentialNet(rnd);
      steps.add(h.get(t, null, Clients.host(net, rnd), site.path(queue.get(i)), null));
      t += 2 * SECOND + rnd.nextInt(18_000);
    }
    Kind kind = networks > 0 ? Kind.FARM_FEW_NETWORKS : Kind.FARM_MANY_NETWORKS;
    String profile = networks > 0 ? networks + "x/24" : "new /24 per request";
    return new Actor(id, kind, profile, "a" + id, steps);
  }

  /**
   * One page every 2-15 minutes from one address, on a cron: the gaps vary by network latency only.
   * Half send a browser's full headers (a scripted browser check), half its user agent alone; none
   * keeps a cookie or runs the tracker.
   */
  Actor monitor(int id, SplittableRandom rnd) {
    long[] periods = {2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE};
    long period = periods[rnd.nextInt(periods.length)];
    boolean full = rnd.nextBoolean();
    Headers h =
        full
            ? Headers.browser(Clients.CHROME_WIN, "en-US,en;q=0.9")
            : Headers.spoofed(Clients.CHROME_WIN, null);
    String ip = Clients.host(Clients.datacenterNet(rnd), rnd);
    String path = rnd.nextDouble() < 0.6 ? "/" : site.path(1 + rnd.nextInt(7));
    int n = 10 + rnd.nextInt(61);
    long t = (long) (rnd.nextDouble() * Math.max(MINUTE, span - n * period - MINUTE));
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < n && t < span; i++) {
      steps.add(h.get(t + rnd.nextInt(400), null, ip, path, null));
      t += period;
    }
    String profile = (period / MINUTE) + "min," + (full ? "full-headers" : "ua-only");
    return new Actor(id, Kind.PERIODIC_MONITOR, profile, "a" + id, steps);
  }

  /** Probe paths, sometimes after the home page, 0.1-2 s apart, no cookies. */
  Actor scanner(int id, SplittableRandom rnd) {
    int agent = Clients.weighted(rnd, SCANNER_AGENT_WEIGHTS);
    String ua = SCANNER_AGENTS[agent];
    Headers h = Headers.agent(ua, "*/*");
    String ip = Clients.host(Clients.datacenterNet(rnd), rnd);
    List<String> probes = new ArrayList<>(List.of(PROBES));
    Collections.shuffle(probes, new java.util.Random(rnd.nextLong()));
    long t = (long) (rnd.nextDouble() * (span - HOUR));
    List<Step> steps = new ArrayList<>();
    if (rnd.nextDouble() < 0.4) {
      steps.add(h.get(t, null, ip, "/", null));
      t += 100 + rnd.nextInt(1900);
    }
    int n = 8 + rnd.nextInt(17);
    for (int i = 0; i < n; i++) {
      steps.add(h.get(t, null, ip, probes.get(i), null));
      t += 100 + rnd.nextInt(1900);
    }
    return new Actor(id, Kind.SCANNER, SCANNER_AGENT_NAMES[agent], "a" + id, steps);
  }
}
