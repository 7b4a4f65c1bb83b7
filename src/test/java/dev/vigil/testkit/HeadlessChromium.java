package dev.vigil.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's chromium, headless, driven through Debian's chromedriver by path: Selenium Manager is
 * never run and nothing is downloaded ({@code .ci/run} installs both; a missing one fails the
 * test). Optionally with another user agent, for tests where the browser stands in for a person:
 * its own says "HeadlessChrome", which Vigil's automation rule blocks by design.
 */
public final class HeadlessChromium {
  private static final File CHROMIUM = new File("/usr/bin/chromium");
  private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");
  // Selenium looks for DevTools bindings matching every Chrome it starts and warns when the browser
  // is newer than them; these tests use WebDriver only. Held in a field: JUL loggers are weak.
  private static final Logger CDP_LOOKUP =
      quiet(Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder"));

  private HeadlessChromium() {}

  /**
   * A new browser with a fresh profile, a 1200x800 window and the given user agent (null: the
   * browser's own).
   */
  public static ChromeDriver start(String userAgent) {
    return launch(userAgent, 1200, 800, false);
  }

  /**
   * A new browser like {@link #start} whose page area (not the window around it) is at least the
   * given size, with its console kept: {@code driver.manage().logs().get(LogType.BROWSER)} returns
   * the page's errors, content security policy violations included.
   */
  public static ChromeDriver startWithConsole(String userAgent, int width, int height) {
    ChromeDriver chrome = launch(userAgent, width, height, true);
    // headless chromium still takes room for a window frame out of --window-size
    @SuppressWarnings("unchecked")
    List<Long> frame =
        (List<Long>)
            chrome.executeScript("return [outerWidth - innerWidth, outerHeight - innerHeight];");
    chrome
        .manage()
        .window()
        .setSize(new Dimension(width + frame.get(0).intValue(), height + frame.get(1).intValue()));
    return chrome;
  }

  private static ChromeDriver launch(String userAgent, int width, int height, boolean console) {
    for (File binary : List.of(CHROMIUM, CHROMEDRIVER)) {
      assertThat(binary.canExecute())
          .as(
              "%s is missing: this test needs Debian's chromium and chromedriver, which .ci/run"
                  + " installs (apt-get install chromium chromium-driver)",
              binary)
          .isTrue();
    }
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER)
            .usingAnyFreePort()
            .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=" + width + "," + height);
    if (userAgent != null) {
      options.addArguments("--user-agent=" + userAgent);
    }
    if (console) {
      LoggingPreferences logs = new LoggingPreferences();
      logs.enable(LogType.BROWSER, Level.ALL);
      options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
    }
    ChromeDriver chrome = new ChromeDriver(service, options);
    chrome.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    chrome.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    return chrome;
  }

  /**
   * Scrolls the page to {@code y} (clamped to the bottom) and returns once the browser has
   * dispatched the scroll event, rather than after a guessed delay.
   */
  public static void scrollTo(ChromeDriver driver, long y) {
    driver.executeAsyncScript(
        "const done = arguments[arguments.length - 1];"
            + "const y = Math.min(arguments[0],"
            + "  document.documentElement.scrollHeight - innerHeight);"
            + "if (Math.abs(scrollY - y) < 1) { done(); return; }"
            + "addEventListener('scroll', () => done(), {once: true});"
            + "scrollTo(0, y);",
        y);
  }

  private static Logger quiet(Logger logger) {
    logger.setLevel(Level.SEVERE);
    return logger;
  }
}
