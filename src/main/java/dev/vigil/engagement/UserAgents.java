package dev.vigil.engagement;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import nl.basjes.parse.useragent.UserAgent;
import nl.basjes.parse.useragent.UserAgentAnalyzer;

/**
 * User-agent parsing with yauaa, one analyzer per JVM. Building it takes seconds and ~150 MB, so it
 * is started in the background when the node starts ({@link #warmUp()}) and readiness waits for it;
 * results are cached by user-agent string, which repeats heavily in real traffic. The cache is
 * ours, of the few fields Vigil keeps, rather than yauaa's: yauaa builds a whole mutable result (a
 * case-insensitive map of every wanted field) before it looks in its own cache, which made up a
 * twentieth of what a decision allocated.
 */
public final class UserAgents {
  private static final String DEVICE_CLASS = "DeviceClass";
  private static final String AGENT_CLASS = "AgentClass";
  private static final String AGENT_NAME = "AgentName";
  private static final String AGENT_VERSION_MAJOR = "AgentVersionMajor";
  private static final String OS_NAME = "OperatingSystemName";

  /** Distinct user agents remembered; real traffic has a few thousand, bots rotate more. */
  private static final int CACHED = 20_000;

  /**
   * Longer agents are parsed every time, not remembered: real browsers' are under 300 characters,
   * and a header of several kilobytes must not let a client fill the cache with its size.
   */
  private static final int CACHED_LENGTH = 512;

  private static final CompletableFuture<UserAgentAnalyzer> ANALYZER = new CompletableFuture<>();
  private static final Cache<String, ClientInfo> PARSED =
      Caffeine.newBuilder().maximumSize(CACHED).build();
  private static volatile boolean started;

  private UserAgents() {}

  /** Starts building the analyzer on a background thread (once per JVM). */
  public static synchronized void warmUp() {
    if (started) {
      return;
    }
    started = true;
    Thread builder =
        new Thread(
            () -> {
              try {
                ANALYZER.complete(
                    UserAgentAnalyzer.newBuilder()
                        .hideMatcherLoadStats()
                        .withoutCache()
                        .withFields(
                            DEVICE_CLASS, AGENT_CLASS, AGENT_NAME, AGENT_VERSION_MAJOR, OS_NAME)
                        .immediateInitialization()
                        .build());
              } catch (RuntimeException e) {
                ANALYZER.completeExceptionally(e);
              }
            },
            "vigil-user-agent-parser");
    builder.setDaemon(true);
    builder.start();
  }

  public static boolean ready() {
    return ANALYZER.isDone() && !ANALYZER.isCompletedExceptionally();
  }

  /** Parses a user agent, waiting for the analyzer if it is still being built. */
  public static ClientInfo parse(String userAgent) {
    if (userAgent == null || userAgent.isBlank()) {
      return ClientInfo.UNKNOWN;
    }
    ClientInfo cached = PARSED.getIfPresent(userAgent);
    if (cached != null) {
      return cached;
    }
    warmUp();
    UserAgent ua;
    try {
      ua = ANALYZER.get(60, TimeUnit.SECONDS).parse(userAgent);
    } catch (Exception e) {
      return ClientInfo.UNKNOWN;
    }
    String name = ua.getValue(AGENT_NAME);
    String major = ua.getValue(AGENT_VERSION_MAJOR);
    String browser = isUnknown(major) ? name : name + " " + major;
    ClientInfo parsed =
        new ClientInfo(
            ua.getValue(DEVICE_CLASS), browser, ua.getValue(OS_NAME), ua.getValue(AGENT_CLASS));
    if (userAgent.length() <= CACHED_LENGTH) {
      PARSED.put(userAgent, parsed);
    }
    return parsed;
  }

  private static boolean isUnknown(String value) {
    return value == null || value.startsWith("??") || value.equalsIgnoreCase("Unknown");
  }
}
