package dev.vigil.detection;

import static dev.vigil.detection.DetectionFixtures.CHROME;
import static dev.vigil.detection.DetectionFixtures.CONFIG;
import static dev.vigil.detection.DetectionFixtures.GOOGLEBOT;
import static dev.vigil.detection.DetectionFixtures.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.detection.ImmediateClass.Kind;
import dev.vigil.engagement.ClientInfo;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The immediate classes of the detection spec with the shipped pattern lists and ranges. */
class ImmediateRulesTest {
  private static final ClientInfo BROWSER =
      new ClientInfo("Desktop", "Chrome 124", "Windows", "Browser");
  private final ImmediateRules rules =
      new ImmediateRules(ImmediateRules.Patterns.fromConfig(CONFIG));

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "curl/8.4.0                                                     | curl",
        "Wget/1.21.4                                                    | wget",
        "python-requests/2.31.0                                         | python-requests",
        "Go-http-client/1.1                                             | go-http-client",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
            + " HeadlessChrome/124.0.0.0 Safari/537.36                 | headlesschrome",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
            + " Chrome/124.0.0.0 Safari/537.36 Playwright/1.43         | playwright",
      })
  void httpLibrariesAndHeadlessBrowsersAreAutomationTools(String ua, String name) {
    assertThat(classify(get("/products").userAgent(ua)))
        .contains(new ImmediateClass(Kind.AUTOMATION_TOOL, name));
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(
      strings = {
        "",
        "   ",
        "Mozilla",
        "Mozilla/5.0",
        " mozilla/5.0 ",
        "null",
        "{\"agent\":\"x-client\"}"
      })
  void anEmptyShortOrBareUserAgentIsAMalformedAutomationTool(String ua) {
    assertThat(classify(get("/products").userAgent(ua)))
        .contains(new ImmediateClass(Kind.AUTOMATION_TOOL, "malformed user agent"));
  }

  @Test
  void aMissingUserAgentIsAMalformedAutomationTool() {
    assertThat(classify(get("/products").userAgent(null)))
        .contains(new ImmediateClass(Kind.AUTOMATION_TOOL, "malformed user agent"));
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2;"
            + " +https://openai.com/gptbot) | gptbot",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0;"
            + " +claudebot@anthropic.com) | claudebot",
        "Mozilla/5.0 (compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)"
            + " | perplexitybot",
        "CCBot/2.0 (https://commoncrawl.org/faq/) | ccbot",
        "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile"
            + " Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com) | bytespider",
      })
  void aiCrawlersAreRecognisedByName(String ua, String name) {
    assertThat(classify(get("/products").userAgent(ua)))
        .contains(new ImmediateClass(Kind.AI_CRAWLER, name));
  }

  @ParameterizedTest(name = "Googlebot from {0} is {1}")
  @CsvSource({
    "66.249.66.1,           VERIFIED_CRAWLER",
    "66.249.64.0,           VERIFIED_CRAWLER",
    "2001:4860:4801:10::1,  VERIFIED_CRAWLER",
    "203.0.113.9,           SPOOFED_CRAWLER",
    "66.249.96.1,           SPOOFED_CRAWLER",
    "not-an-ip,             SPOOFED_CRAWLER",
  })
  void aCrawlerWithPublishedRangesIsVerifiedOnlyFromInsideThem(String ip, Kind kind) {
    assertThat(classify(get("/products").userAgent(GOOGLEBOT).ip(ip)))
        .contains(new ImmediateClass(kind, "googlebot"));
  }

  @Test
  void aCrawlerWithoutPublishedRangesIsDeclared() {
    String ahrefs = "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)";

    assertThat(classify(get("/products").userAgent(ahrefs).ip("203.0.113.9")))
        .contains(new ImmediateClass(Kind.DECLARED_CRAWLER, "ahrefsbot"));
  }

  @Test
  void aRobotThatOnlyTheUserAgentParserKnowsIsDeclared() {
    String ua = "Mozilla/5.0 (compatible; SomeNewBot/1.0; +https://somenewbot.example/)";
    ClientInfo robot = new ClientInfo("Robot", "SomeNewBot 1", "Unknown", "Robot");

    assertThat(rules.classify(get("/products").userAgent(ua).facts(), robot))
        .contains(new ImmediateClass(Kind.DECLARED_CRAWLER, "SomeNewBot 1"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "sqlmap/1.7.2#stable (https://sqlmap.org) | sqlmap",
        "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003) | nikto",
        "Mozilla/5.0 zgrab/0.x | zgrab",
        "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html) | nmap",
      })
  void scannerToolsAreScannersByUserAgent(String ua, String name) {
    assertThat(classify(get("/").userAgent(ua))).contains(new ImmediateClass(Kind.SCANNER, name));
  }

  @Test
  void anAttackUserAgentByTheParserIsAScanner() {
    ClientInfo hacker = new ClientInfo("Hacker", "Hacker", "Hacker", "Hacker");

    assertThat(rules.classify(get("/").userAgent("() { :; }; /bin/bash -c id").facts(), hacker))
        .contains(new ImmediateClass(Kind.SCANNER, "attack user agent"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "/wp-admin,                 /wp-admin",
    "/wp-admin/setup-config.php, /wp-admin",
    "/WP-LOGIN.PHP,             /wp-login",
    "/.env,                     /.env",
    "/api/.env.bak,             /.env",
    "/.git/config,              /.git/",
    "/phpmyadmin/index.php,     /phpmyadmin",
    "/shell,                    /shell",
    "/shell.php,                /shell",
    "/index.php,                .php",
    "/backup/db.sql,            .sql",
    "/site.bak,                 .bak",
  })
  void probePathsAndExtensionsAreScanners(String path, String name) {
    assertThat(classify(get(path))).contains(new ImmediateClass(Kind.SCANNER, name));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "/",
        "/products",
        "/products/42",
        "/products/shell-jackets",
        "/shells",
        "/.environment",
        "/blog/wp-administration-tips",
        "/about.html",
        "/static/app.js"
      })
  void aNormalBrowserOnOrdinaryPagesHasNoImmediateClass(String path) {
    assertThat(classify(get(path))).isEmpty();
  }

  @Test
  void aScannerPathOutranksACrawlerClaim() {
    assertThat(classify(get("/.env").userAgent(GOOGLEBOT).ip("66.249.66.1")))
        .contains(new ImmediateClass(Kind.SCANNER, "/.env"));
  }

  @Test
  void anAiCrawlerOutranksTheDeclaredCrawlerItsNameContains() {
    String ua = "Mozilla/5.0 (compatible; Applebot-Extended/0.1)";

    assertThat(classify(get("/").userAgent(ua)))
        .contains(new ImmediateClass(Kind.AI_CRAWLER, "applebot-extended"));
  }

  @Test
  void theShippedListsAreLoadedLowerCase() {
    ImmediateRules.Patterns p = ImmediateRules.Patterns.fromConfig(CONFIG);

    assertThat(p.crawlerRanges()).containsKeys("googlebot", "bingbot", "applebot", "duckduckbot");
    assertThat(p.declaredCrawlers()).contains("googlebot", "ahrefsbot");
    assertThat(p.aiCrawlers()).contains("gptbot", "claudebot");
    assertThat(p.automation()).contains("curl/", "python-requests", "headlesschrome");
    assertThat(p.scannerAgents()).contains("sqlmap", "nikto");
    assertThat(p.scannerPaths()).contains("/wp-admin", "/.env", "/.git/");
    assertThat(p.scannerExtensions()).contains("php", "sql", "bak");
  }

  @Test
  void aCurrentChromeIsNoImmediateClass() {
    assertThat(rules.classify(get("/products").userAgent(CHROME).facts(), ClientInfo.UNKNOWN))
        .isEmpty();
  }

  private Optional<ImmediateClass> classify(DetectionFixtures.Request request) {
    return rules.classify(request.facts(), BROWSER);
  }
}
