package dev.vigil.loadtest;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Every knob of the simulations, read from system properties ({@code -Dbench.x=y}) so the bench
 * runner and a person running {@code mvn gatling:test} set them the same way. Defaults are the
 * figures the detection spec's budget names: 10,000 live sessions, 5,000 decisions/s.
 */
public final class BenchConfig {
  private BenchConfig() {}

  /** Vigil's base URL; loopback only. */
  public static String baseUrl() {
    String url = str("bench.baseUrl", "http://127.0.0.1:8080");
    if (!url.startsWith("http://127.0.0.1:") && !url.startsWith("http://localhost:")) {
      throw new IllegalArgumentException("bench.baseUrl must be on 127.0.0.1: " + url);
    }
    return url;
  }

  /** The site's server key ({@code vsk_…}) printed at Vigil's first start. */
  public static String serverKey() {
    String key = str("bench.serverKey", "");
    if (key.isBlank()) {
      throw new IllegalArgumentException("set -Dbench.serverKey=vsk_… (Vigil prints it at first start)");
    }
    return key;
  }

  /** Where a simulation writes its recorder JSON ({@code <name>.json}). */
  public static Path outDir() {
    return Path.of(str("bench.out", "target/bench"));
  }

  // ---- the synthetic population (Traffic) ----

  public static int sessions() {
    return integer("bench.sessions", 10_000);
  }

  /** Distinct client IPs, each in its own /24, so each is its own fingerprint. */
  public static int ips() {
    return integer("bench.ips", 5_000);
  }

  /** Distinct page paths /p/0 … /p/(pages-1). */
  public static int pages() {
    return integer("bench.pages", 5_000);
  }

  /** Mixed into session ids so two runs against one database never share a session. */
  public static String runTag() {
    return str("bench.runTag", Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36));
  }

  // ---- decide ----

  /** Comma-separated subset of warmup,measured,saturation, run in this order. */
  public static String decidePhases() {
    return str("bench.decide.phases", "warmup,measured,saturation");
  }

  public static int warmupUsers() {
    return integer("bench.decide.warmupUsers", 16);
  }

  /** How many times the warm-up walks all sessions (the first walk starts their entities). */
  public static int warmupPasses() {
    return integer("bench.decide.warmupPasses", 1);
  }

  /** Target decisions per second of the measured phase. */
  public static int decideRate() {
    return integer("bench.decide.rate", 5_000);
  }

  /** Virtual users of the measured phase; each sends one request per pace = users / rate. */
  public static int decideUsers() {
    return integer("bench.decide.users", 200);
  }

  /** At the target rate before the measured window (JIT, pools, GC settle); reported apart. */
  public static Duration settle() {
    return Duration.ofSeconds(integer("bench.decide.settleSeconds", 10));
  }

  public static Duration measure() {
    return Duration.ofSeconds(integer("bench.decide.measureSeconds", 45));
  }

  public static int saturationUsers() {
    return integer("bench.decide.saturationUsers", 32);
  }

  public static Duration saturation() {
    return Duration.ofSeconds(integer("bench.decide.saturationSeconds", 15));
  }

  // ---- health (the trivial endpoint) ----

  public static int healthUsers() {
    return integer("bench.health.users", 32);
  }

  public static Duration healthWarmup() {
    return Duration.ofSeconds(integer("bench.health.warmupSeconds", 15));
  }

  public static Duration health() {
    return Duration.ofSeconds(integer("bench.health.seconds", 20));
  }

  static String str(String key, String dflt) {
    String v = System.getProperty(key);
    return v == null || v.isBlank() ? dflt : v.trim();
  }

  static int integer(String key, int dflt) {
    String v = System.getProperty(key);
    return v == null || v.isBlank() ? dflt : Integer.parseInt(v.trim());
  }
}
