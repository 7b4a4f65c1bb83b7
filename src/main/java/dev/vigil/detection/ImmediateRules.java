package dev.vigil.detection;

import com.typesafe.config.Config;
import dev.vigil.engagement.ClientInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Classes that one request shows (detection spec, "Immediate classes"): scanners by tool or probe
 * path, automation tools, AI crawlers, declared crawlers — verified against their operators'
 * published ranges where those are known, spoofed when a claim comes from elsewhere. Pattern lists
 * are shipped configuration (conf/detection-patterns.conf, conf/crawler-ranges.conf); yauaa's robot
 * and hacker classes catch what the lists miss.
 */
public final class ImmediateRules {

  /** The shipped lists, lower-case. */
  public record Patterns(
      List<String> aiCrawlers,
      List<String> declaredCrawlers,
      List<String> automation,
      List<String> scannerAgents,
      List<String> scannerPaths,
      List<String> scannerExtensions,
      Map<String, List<Cidr>> crawlerRanges) {

    public static Patterns fromConfig(Config config) {
      Config p = config.getConfig("vigil.detection.patterns");
      Config r = config.getConfig("vigil.detection.crawler-ranges");
      Map<String, List<Cidr>> ranges = new LinkedHashMap<>();
      for (String crawler : r.root().keySet()) {
        ranges.put(
            crawler.toLowerCase(Locale.ROOT),
            r.getStringList(crawler).stream().map(Cidr::parse).toList());
      }
      return new Patterns(
          lower(p.getStringList("ai-crawlers")),
          lower(p.getStringList("declared-crawlers")),
          lower(p.getStringList("automation")),
          lower(p.getStringList("scanner-agents")),
          lower(p.getStringList("scanner-paths")),
          lower(p.getStringList("scanner-extensions")),
          ranges);
    }

    private static List<String> lower(List<String> values) {
      return values.stream().map(v -> v.toLowerCase(Locale.ROOT)).toList();
    }
  }

  private final Patterns patterns;

  public ImmediateRules(Patterns patterns) {
    this.patterns = patterns;
  }

  /** The immediate class of a request, if it has one; first match in order of severity. */
  public Optional<ImmediateClass> classify(RequestFacts f, ClientInfo client) {
    String ua = f.userAgent() == null ? "" : f.userAgent().trim();
    String lua = ua.toLowerCase(Locale.ROOT);
    Optional<ImmediateClass> scanner = scanner(f, lua, client);
    if (scanner.isPresent()) {
      return scanner;
    }
    if (malformed(ua)) {
      return Optional.of(
          new ImmediateClass(ImmediateClass.Kind.AUTOMATION_TOOL, "malformed user agent"));
    }
    Optional<String> ai = firstIn(lua, patterns.aiCrawlers());
    if (ai.isPresent()) {
      return Optional.of(new ImmediateClass(ImmediateClass.Kind.AI_CRAWLER, ai.get()));
    }
    Optional<String> crawler = firstIn(lua, patterns.declaredCrawlers());
    if (crawler.isPresent()) {
      return Optional.of(verify(crawler.get(), f.ip()));
    }
    Optional<String> tool = firstIn(lua, patterns.automation());
    if (tool.isPresent()) {
      return Optional.of(
          new ImmediateClass(ImmediateClass.Kind.AUTOMATION_TOOL, strip(tool.get())));
    }
    if (client != null && client.agentClass() != null && client.agentClass().startsWith("Robot")) {
      return Optional.of(
          new ImmediateClass(ImmediateClass.Kind.DECLARED_CRAWLER, client.browser()));
    }
    return Optional.empty();
  }

  private Optional<ImmediateClass> scanner(RequestFacts f, String lua, ClientInfo client) {
    Optional<String> tool = firstIn(lua, patterns.scannerAgents());
    if (tool.isPresent()) {
      return Optional.of(new ImmediateClass(ImmediateClass.Kind.SCANNER, tool.get()));
    }
    if (client != null && "Hacker".equals(client.agentClass())) {
      return Optional.of(new ImmediateClass(ImmediateClass.Kind.SCANNER, "attack user agent"));
    }
    String path = f.path() == null ? "" : f.path().toLowerCase(Locale.ROOT);
    Optional<String> probe = firstProbe(path, patterns.scannerPaths());
    if (probe.isPresent()) {
      return Optional.of(new ImmediateClass(ImmediateClass.Kind.SCANNER, probe.get()));
    }
    String ext = RequestFacts.extension(path);
    if (ext != null && patterns.scannerExtensions().contains(ext)) {
      return Optional.of(new ImmediateClass(ImmediateClass.Kind.SCANNER, "." + ext));
    }
    return Optional.empty();
  }

  private ImmediateClass verify(String crawler, String ip) {
    List<Cidr> ranges = patterns.crawlerRanges().get(crawler);
    if (ranges == null) {
      return new ImmediateClass(ImmediateClass.Kind.DECLARED_CRAWLER, crawler);
    }
    boolean inside = ranges.stream().anyMatch(r -> r.contains(ip));
    return new ImmediateClass(
        inside ? ImmediateClass.Kind.VERIFIED_CRAWLER : ImmediateClass.Kind.SPOOFED_CRAWLER,
        crawler);
  }

  /** Empty, too short, JSON-ish, a placeholder, or a bare "Mozilla/5.0". */
  static boolean malformed(String ua) {
    if (ua.length() < 10) {
      return true;
    }
    String l = ua.toLowerCase(Locale.ROOT);
    return l.equals("mozilla/5.0")
        || (ua.startsWith("{") && ua.endsWith("}"))
        || l.equals("null")
        || l.equals("unknown");
  }

  private static Optional<String> firstIn(String haystack, List<String> needles) {
    for (String n : needles) {
      if (haystack.contains(n)) {
        return Optional.of(n);
      }
    }
    return Optional.empty();
  }

  /**
   * The first probe path found in the path as a whole name: where the pattern does not end with
   * '/', the character after it must end the name (end of path, or not a letter, digit, '-' or
   * '_'). So "/shell" finds "/shell" and "/shell.php" but not a shop's "/shell-jackets", and
   * "/.env" finds "/.env.bak" but not "/.environment"; a human on such a page must not have the
   * fingerprint blocked as a scanner.
   */
  private static Optional<String> firstProbe(String path, List<String> probes) {
    for (String probe : probes) {
      for (int at = path.indexOf(probe); at >= 0; at = path.indexOf(probe, at + 1)) {
        int end = at + probe.length();
        if (probe.endsWith("/") || end == path.length() || !isNameChar(path.charAt(end))) {
          return Optional.of(probe);
        }
      }
    }
    return Optional.empty();
  }

  private static boolean isNameChar(char c) {
    return Character.isLetterOrDigit(c) || c == '-' || c == '_';
  }

  private static String strip(String pattern) {
    return pattern.endsWith("/") ? pattern.substring(0, pattern.length() - 1) : pattern;
  }
}
