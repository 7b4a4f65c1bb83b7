package dev.vigil.detection.corpus;

import java.util.SplittableRandom;

/**
 * The clients of the corpus: browser profiles (user agent and the client hints that browser sends
 * over https), languages, documented crawler and tool user agents, and address pools. Browser
 * versions are those current in late 2024, above the outdated-browser floor (120) except the one
 * profile that models the last Chrome for Windows 7/8.
 */
public final class Clients {
  private Clients() {}

  /** A browser: its user agent and client hints (null for browsers that send none). */
  public record Browser(
      String name, String userAgent, String secChUa, String platform, String mobile) {
    public boolean mobileDevice() {
      return "?1".equals(mobile);
    }
  }

  public static final String ACCEPT_HTML =
      "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
          + "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";
  public static final String ACCEPT_HTML_GECKO =
      "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

  private static final String WIN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) ";
  private static final String MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) ";
  private static final String WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko) ";

  public static final Browser CHROME_WIN =
      chromium("chrome-win", WIN + WEBKIT + "Chrome/131.0.0.0 Safari/537.36", "131", "Windows");
  static final Browser CHROME_WIN_130 =
      chromium("chrome-win-130", WIN + WEBKIT + "Chrome/130.0.0.0 Safari/537.36", "130", "Windows");
  static final Browser CHROME_MAC =
      chromium("chrome-mac", MAC + WEBKIT + "Chrome/131.0.0.0 Safari/537.36", "131", "macOS");
  static final Browser CHROME_ANDROID =
      new Browser(
          "chrome-android",
          "Mozilla/5.0 (Linux; Android 10; K) " + WEBKIT + "Chrome/131.0.0.0 Mobile Safari/537.36",
          hints("Google Chrome", "131"),
          "\"Android\"",
          "?1");
  static final Browser EDGE_WIN =
      new Browser(
          "edge-win",
          WIN + WEBKIT + "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
          hints("Microsoft Edge", "131"),
          "\"Windows\"",
          "?0");
  static final Browser FIREFOX_WIN =
      new Browser(
          "firefox-win",
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
          null,
          null,
          null);
  static final Browser FIREFOX_LINUX =
      new Browser(
          "firefox-linux",
          "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
          null,
          null,
          null);
  static final Browser SAFARI_MAC =
      new Browser(
          "safari-mac",
          MAC + "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
          null,
          null,
          null);
  static final Browser SAFARI_IPHONE =
      new Browser(
          "safari-iphone",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15"
              + " (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
          null,
          null,
          null);

  /** The last Chrome that runs on Windows 7/8: below the floor, but a real person's browser. */
  static final Browser CHROME_WIN7 =
      chromium(
          "chrome-109-win7",
          "Mozilla/5.0 (Windows NT 6.1; Win64; x64) " + WEBKIT + "Chrome/109.0.0.0 Safari/537.36",
          "109",
          "Windows");

  private static final Browser[] BROWSERS = {
    CHROME_WIN,
    CHROME_WIN_130,
    CHROME_MAC,
    CHROME_ANDROID,
    EDGE_WIN,
    FIREFOX_WIN,
    FIREFOX_LINUX,
    SAFARI_MAC,
    SAFARI_IPHONE
  };
  // roughly a 2024 desktop+mobile market split
  private static final int[] BROWSER_WEIGHTS = {26, 8, 9, 16, 7, 5, 2, 8, 19};

  private static final String[] LANGUAGES = {
    "en-US,en;q=0.9", "en-GB,en;q=0.9", "de-DE,de;q=0.9,en;q=0.8", "fr-FR,fr;q=0.9,en;q=0.8",
    "es-ES,es;q=0.9", "nl-NL,nl;q=0.9,en;q=0.8", "pt-BR,pt;q=0.9,en;q=0.8", "ja-JP,ja;q=0.9"
  };
  private static final int[] LANGUAGE_WEIGHTS = {46, 10, 12, 8, 7, 4, 4, 3};

  public static final String GOOGLEBOT =
      "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
  public static final String GOOGLEBOT_SMARTPHONE =
      "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) "
          + WEBKIT
          + "Chrome/131.0.6778.139 Mobile Safari/537.36"
          + " (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
  public static final String BINGBOT =
      "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)";

  static final String[] TOOLS = {
    "curl/8.5.0",
    "python-requests/2.32.3",
    "Go-http-client/1.1",
    "Wget/1.21.4",
    "python-httpx/0.27.2",
    "Scrapy/2.11.2 (+https://scrapy.org)",
    "axios/1.7.7",
    "Java/17.0.12"
  };

  // residential and mobile first octets, avoiding the anchor's bot prefixes (66.249, 40.77,
  // 157.55, 207.46, 69.171, 173.252, 31.13) and every crawler range Vigil verifies
  private static final int[] RESIDENTIAL = {
    24, 47, 68, 71, 73, 76, 81, 82, 84, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 98, 99, 108, 176,
    178, 188, 212, 217
  };
  private static final int[] DATACENTER = {
    45, 104, 138, 139, 144, 159, 165, 167, 185, 193, 198, 206, 209
  };

  public static Browser browser(SplittableRandom rnd) {
    return BROWSERS[weighted(rnd, BROWSER_WEIGHTS)];
  }

  public static String language(SplittableRandom rnd) {
    return LANGUAGES[weighted(rnd, LANGUAGE_WEIGHTS)];
  }

  /** Firefox sends a q of 0.5 for the fallback language; the tag list is the user's. */
  public static String languageFor(Browser b, String language) {
    return b.name().startsWith("firefox") ? language.replace("q=0.9", "q=0.5") : language;
  }

  public static String accept(Browser b) {
    return b.name().startsWith("firefox") ? ACCEPT_HTML_GECKO : ACCEPT_HTML;
  }

  /** A /24 network ("a.b.c") of a residential or mobile provider. */
  public static String residentialNet(SplittableRandom rnd) {
    return net(rnd, RESIDENTIAL);
  }

  public static String datacenterNet(SplittableRandom rnd) {
    return net(rnd, DATACENTER);
  }

  public static String host(String net, SplittableRandom rnd) {
    return net + "." + (2 + rnd.nextInt(252));
  }

  private static String net(SplittableRandom rnd, int[] firsts) {
    return firsts[rnd.nextInt(firsts.length)] + "." + rnd.nextInt(256) + "." + rnd.nextInt(256);
  }

  private static Browser chromium(String name, String ua, String version, String platform) {
    return new Browser(name, ua, hints("Google Chrome", version), "\"" + platform + "\"", "?0");
  }

  private static String hints(String brand, String version) {
    return "\""
        + brand
        + "\";v=\""
        + version
        + "\", \"Chromium\";v=\""
        + version
        + "\", \"Not_A Brand\";v=\"24\"";
  }

  static int weighted(SplittableRandom rnd, int[] weights) {
    int total = 0;
    for (int w : weights) {
      total += w;
    }
    int x = rnd.nextInt(total);
    for (int i = 0; i < weights.length; i++) {
      x -= weights[i];
      if (x < 0) {
        return i;
      }
    }
    return weights.length - 1;
  }

  /** A lognormal sample with the given median and log-space sigma. */
  public static double lognormal(SplittableRandom rnd, double median, double sigma) {
    return median * Math.exp(sigma * gaussian(rnd));
  }

  public static double gaussian(SplittableRandom rnd) {
    // Box-Muller; SplittableRandom has no nextGaussian on Java 17
    double u = 1.0 - rnd.nextDouble();
    double v = rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
