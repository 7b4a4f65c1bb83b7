package dev.vigil.loadtest;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The synthetic population the decision simulations draw from: {@code sessions} live sessions
 * spread over {@code ips} client addresses, one per /24 ({@code 10.a.b.x}), all sending the same
 * modern, consistent Chrome headers. Vigil's fingerprint hashes user agent, language, client hints
 * and the IP's /24, so each address is one fingerprint and session {@code s} belongs to
 * fingerprint {@code s % ips}.
 *
 * <p>Why these numbers: the throttle allows 120 requests/min per fingerprint (2/s, burst 6). At
 * 5,000 decisions/s over 5,000 fingerprints each one gets 1 request/s on average (Poisson when the
 * session is drawn at random), half its allowance, so the answers measured are decisions, not
 * 429s. Each session gets 0.5 requests/s: 30 requests/min, which is at the edge of high_velocity
 * (30 points) and fires high_pages_per_minute (15 points) — 45, under the bot threshold of 50. The
 * default phase lengths keep a session under 50 page requests (high_request_count), so the
 * population stays human for the whole bench.
 */
public final class Traffic {
  public static final String USER_AGENT =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
          + " Chrome/131.0.0.0 Safari/537.36";

  private static final char[] ID_ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();

  private final int sessions;
  private final int ips;
  private final int pages;
  /** The constant start of each session's body (ip, headers, session id), built once. */
  private final String[] prefixes;

  public Traffic(int sessions, int ips, int pages, String runTag) {
    if (sessions < 1 || ips < 1 || ips > 65_536 || pages < 1) {
      throw new IllegalArgumentException("sessions ≥ 1, 1 ≤ ips ≤ 65536, pages ≥ 1");
    }
    this.sessions = sessions;
    this.ips = ips;
    this.pages = pages;
    this.prefixes = new String[sessions];
    for (int s = 0; s < sessions; s++) {
      prefixes[s] =
          "{\"sessionId\":\""
              + sessionId(s, runTag)
              + "\",\"ip\":\""
              + ip(s % ips)
              + "\",\"userAgent\":\""
              + USER_AGENT
              + "\",\"accept\":\"text/html,application/xhtml+xml\",\"acceptLanguage\":\"en-US,en;q=0.9\""
              + ",\"secChUa\":\"\\\"Chromium\\\";v=\\\"131\\\", \\\"Google Chrome\\\";v=\\\"131\\\"\""
              + ",\"secChUaPlatform\":\"\\\"Windows\\\"\",\"secChUaMobile\":\"?0\""
              + ",\"https\":true,\"method\":\"GET\",\"host\":\"shop.example\",\"path\":\"/p/";
    }
  }

  public static Traffic fromConfig() {
    return new Traffic(
        BenchConfig.sessions(), BenchConfig.ips(), BenchConfig.pages(), BenchConfig.runTag());
  }

  public int sessions() {
    return sessions;
  }

  public int ips() {
    return ips;
  }

  /** 8–64 characters of [A-Za-z0-9_-], as Vigil's session id rule wants. */
  static String sessionId(int s, String runTag) {
    return "lt-" + runTag + "-" + String.format("%06d", s);
  }

  /** Address number {@code i} in its own /24: 10.(i/256).(i%256).(1 + i%250). */
  static String ip(int i) {
    return "10." + (i >>> 8) + "." + (i & 0xff) + "." + (1 + i % 250);
  }

  /** A random session, as a real edge sees visits interleave. */
  public int randomSession() {
    return ThreadLocalRandom.current().nextInt(sessions);
  }

  /** The JSON body of one page request of session {@code s}, on a random page. */
  public String decideBody(int s) {
    int page = ThreadLocalRandom.current().nextInt(pages);
    return prefixes[s] + page + "\"}";
  }

  /**
   * An event id as the tracker mints it (tracker.js, randomId): 22 random characters of the
   * URL-safe alphabet, so beacons land in the engagement table's indexes as real ones do.
   */
  public static String trackerId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] id = new char[22];
    for (int i = 0; i < id.length; i++) {
      id[i] = ID_ALPHABET[random.nextInt(ID_ALPHABET.length)];
    }
    return new String(id);
  }
}
