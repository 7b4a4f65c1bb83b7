package dev.vigil.detection.corpus;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The anchor's per-request rules as the reference notes (§2) give them: AI crawler and bot
 * keywords, "flagged origin" address prefixes, untracked paths, the scanner rules, and the
 * UA+locale fingerprint. Where the notes only summarise a list (the ~90 bot keywords), the named
 * entries and the crawler names of its {@code v_bot_sessions} taxonomy are used.
 */
final class AnchorRules {
  private AnchorRules() {}

  private static final List<String> AI_CRAWLERS =
      List.of(
          "notebooklm",
          "gemini-deep-research",
          "grammarly",
          "chatgpt-user",
          "oai-searchbot",
          "gptbot",
          "perplexitybot",
          "perplexity-user",
          "claudebot",
          "claude-user",
          "claude-web",
          "anthropic-ai",
          "applebot-extended",
          "ccbot",
          "bytespider",
          "amazonbot",
          "youbot",
          "diffbot",
          "cohere-ai");
  private static final List<String> BOT_KEYWORDS =
      List.of(
          "bot",
          "crawler",
          "spider",
          "scraper",
          "slurp",
          "facebookexternalhit",
          "bingpreview",
          "google-inspectiontool",
          "adsbot-google",
          "baiduspider",
          "yandex",
          "semrush",
          "ahrefs",
          "mj12",
          "uptimerobot",
          "pingdom",
          "statuscake",
          "lighthouse",
          "headless",
          "phantom",
          "selenium",
          "webdriver",
          "puppeteer",
          "curl",
          "wget",
          "python-requests",
          "python-urllib",
          "httpx/",
          "aiohttp",
          "okhttp",
          "go-http-client",
          "node-fetch",
          "axios",
          "java/",
          "perl/",
          "ruby/",
          "scrapy",
          "libwww",
          "rv:1.9",
          "gzip(gfe)",
          "quic-go");
  private static final List<String> BOT_PREFIXES =
      List.of("66.249.", "40.77.", "157.55.", "207.46.", "69.171.", "173.252.", "31.13.");
  private static final List<String> SCANNER_EXTENSIONS =
      List.of("php", "env", "git", "sql", "bak", "old", "zip", "gz", "db", "config", "cgi", "htm");
  private static final List<String> SCANNER_PATHS =
      List.of(
          "/admin",
          "/wp-admin",
          "/wp-content",
          "/uploads",
          "/cgi-bin",
          "/phpmyadmin",
          "/xmlrpc",
          "/luci",
          "/ssi.cgi",
          "internal_forms_authentication",
          "/identity",
          "/login.htm",
          "/manager/html",
          "/config/",
          "/setup.cgi",
          "/eval-stdin.php",
          "/shell.php",
          "/c99.php");
  private static final List<String> SCANNER_TOOLS =
      List.of(
          "masscan",
          "nmap",
          "nikto",
          "sqlmap",
          "havij",
          "acunetix",
          "nessus",
          "openvas",
          "w3af",
          "metasploit",
          "burpsuite",
          "zap",
          "zgrab",
          "censys",
          "shodan",
          "palo alto",
          "cortex",
          "xpanse",
          "probe-image-size",
          "libredtail",
          "httpclient",
          "httpunit",
          "java/",
          "wp-http",
          "wp-cron");
  private static final Pattern CHROME = Pattern.compile("chrome/(\\d+)\\.");
  private static final Pattern FIREFOX = Pattern.compile("firefox/(\\d+)");

  static boolean aiCrawler(String ua) {
    String l = lower(ua);
    return AI_CRAWLERS.stream().anyMatch(l::contains);
  }

  /** Missing, malformed, a keyword, or "compatible" without a browser name. */
  static boolean bot(String ua) {
    if (ua == null || ua.isBlank()) {
      return true;
    }
    String t = ua.trim();
    String l = lower(t);
    if (t.length() < 10
        || (t.startsWith("{") && t.endsWith("}"))
        || l.equals("-")
        || l.equals("null")
        || l.equals("unknown")) {
      return true;
    }
    if (BOT_KEYWORDS.stream().anyMatch(l::contains)) {
      return true;
    }
    return l.contains("compatible")
        && !(l.contains("chrome")
            || l.contains("firefox")
            || l.contains("safari")
            || l.contains("edge"));
  }

  /** The bot address prefixes; the datacenter list and GeoIP countries are not modelled. */
  static boolean flaggedOrigin(String ip) {
    return ip != null && BOT_PREFIXES.stream().anyMatch(ip::startsWith);
  }

  /** Requests that get no session: API, assets, health, and any non-HTML extension. */
  static boolean untracked(String path) {
    if (path.startsWith("/track")) {
      return false;
    }
    for (String p : List.of("/mcp", "/api", "/_next", "/static", "/assets", "/images")) {
      if (path.startsWith(p)) {
        return true;
      }
    }
    if (List.of("/health", "/ready", "/healthz").contains(path)) {
      return true;
    }
    String last = path.substring(path.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
    if (last.startsWith("favicon")
        || last.startsWith("robots")
        || last.startsWith("sitemap")
        || last.startsWith("manifest")) {
      return true;
    }
    int dot = last.lastIndexOf('.');
    if (dot < 0) {
      return false;
    }
    String ext = last.substring(dot + 1);
    return !ext.equals("html") && !ext.equals("htm");
  }

  static boolean scannerPath(String path) {
    String l = lower(path);
    int dot = l.lastIndexOf('.');
    if (dot > l.lastIndexOf('/') && SCANNER_EXTENSIONS.contains(l.substring(dot + 1))) {
      return true;
    }
    return SCANNER_PATHS.stream().anyMatch(l::contains);
  }

  static boolean scannerAgent(String ua) {
    if (ua == null || ua.length() < 10 || ua.equals("Mozilla/5.0")) {
      return true;
    }
    String l = lower(ua);
    if (SCANNER_TOOLS.stream().anyMatch(l::contains) || l.startsWith("wordpress/")) {
      return true;
    }
    if (((l.startsWith("curl") || l.startsWith("wget")) && l.length() < 20)
        || ((l.startsWith("python-requests") || l.startsWith("go-http-client")) && l.length() < 30)
        || (l.startsWith("ruby") && l.length() < 25)) {
      return true;
    }
    return outdated(ua);
  }

  static boolean outdated(String ua) {
    String l = lower(ua);
    for (Pattern p : List.of(CHROME, FIREFOX)) {
      Matcher m = p.matcher(l);
      if (m.find() && Integer.parseInt(m.group(1)) < 120) {
        return true;
      }
    }
    return false;
  }

  /** {@code "<user agent>|<first accept-language tag>"}: the anchor's fingerprint input. */
  static String fingerprint(String ua, String acceptLanguage) {
    String locale = "";
    if (acceptLanguage != null && !acceptLanguage.isBlank()) {
      locale = acceptLanguage.split(",")[0].split(";")[0].trim();
    }
    return (ua == null ? "" : ua) + "|" + locale;
  }

  private static String lower(String s) {
    return s == null ? "" : s.toLowerCase(Locale.ROOT);
  }
}
