package dev.vigil.detection;

import static dev.vigil.detection.DetectionFixtures.SETTINGS;
import static dev.vigil.detection.DetectionFixtures.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.detection.DetectionFixtures.Request;
import java.security.Permission;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** The versioned device fingerprint over the configured request features. */
class FingerprinterTest {
  private static final String SITE = "shop";
  private final Fingerprinter shipped = Fingerprinter.of(SETTINGS);

  @Test
  void theSameRequestFeaturesGiveTheSameVersionedId() {
    String a = shipped.fingerprint(SITE, get("/").facts());
    String b = shipped.fingerprint(SITE, get("/other").method("HEAD").facts());

    assertThat(a).isEqualTo(b).matches("f2_[0-9a-f]{16}");
  }

  @Test
  void theSameDeviceHasAFingerprintPerSite() {
    String here = shipped.fingerprint("shop", get("/").facts());
    String there = shipped.fingerprint("blog", get("/").facts());

    assertThat(here).isNotEqualTo(there);
    // and one for all sites where the operator leaves the site out of the features
    List<String> noSite =
        SETTINGS.fingerprintFeatures().stream().filter(f -> !f.equals("site")).toList();
    Fingerprinter shared = new Fingerprinter(2, noSite);
    assertThat(shared.fingerprint("shop", get("/").facts()))
        .isEqualTo(shared.fingerprint("blog", get("/").facts()));
  }

  @Test
  void aNewVersionStartsNewFingerprints() {
    Fingerprinter v3 = new Fingerprinter(3, SETTINGS.fingerprintFeatures());

    String one = shipped.fingerprint(SITE, get("/").facts());
    String two = v3.fingerprint(SITE, get("/").facts());

    assertThat(two).startsWith("f3_");
    assertThat(two.substring(3)).isNotEqualTo(one.substring(3));
  }

  static Stream<Arguments> features() {
    return Stream.of(
        change("user-agent", r -> r.userAgent(DetectionFixtures.FIREFOX)),
        change("accept-language", r -> r.acceptLanguage("de-DE,de")),
        change("client-hints", r -> r.secChUa("\"Chromium\";v=\"125\"")),
        change("client-hints", r -> r.secChUaPlatform("\"macOS\"")),
        change("client-hints", r -> r.secChUaMobile("?1")),
        change("ip-prefix", r -> r.ip("198.51.101.7")),
        change("client-fingerprint", r -> r.clientFingerprint("canvas-8c1f")));
  }

  private static Arguments change(String feature, UnaryOperator<Request> change) {
    return Arguments.of(feature, change);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("features")
  void eachConfiguredFeatureChangesTheId(String feature, UnaryOperator<Request> change) {
    String before = shipped.fingerprint(SITE, get("/").facts());

    String after = shipped.fingerprint(SITE, change.apply(get("/")).facts());

    assertThat(SETTINGS.fingerprintFeatures()).contains(feature);
    assertThat(after).isNotEqualTo(before);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("features")
  void aFeatureThatIsNotConfiguredDoesNotChangeTheId(
      String feature, UnaryOperator<Request> change) {
    List<String> others =
        DetectionSettings.KNOWN_FEATURES.stream().filter(f -> !f.equals(feature)).toList();
    Fingerprinter without = new Fingerprinter(1, others);

    String before = without.fingerprint(SITE, get("/").facts());
    String after = without.fingerprint(SITE, change.apply(get("/")).facts());

    assertThat(after).isEqualTo(before);
  }

  @Test
  void theShippedFeaturesAreAllKnownFeatures() {
    assertThat(SETTINGS.fingerprintVersion()).isEqualTo(2);
    assertThat(SETTINGS.fingerprintFeatures())
        .containsExactlyElementsOf(DetectionSettings.KNOWN_FEATURES);
  }

  @ParameterizedTest(name = "{0} and {1} share a fingerprint: {2}")
  @CsvSource({
    "203.0.113.9,          203.0.113.250,            true",
    "203.0.113.9,          203.0.114.9,              false",
    "203.0.113.9,          ::ffff:203.0.113.77,      true",
    "2001:db8:85a3:1::1,   2001:db8:85a3:ffff::9,    true",
    "2001:db8:85a3:1::1,   2001:db8:85a4:1::1,       false",
    "2001:db8:85a3::1,     2001:DB8:85A3::1,         true",
  })
  void addressesInTheSameNetworkShareAFingerprint(String ip1, String ip2, boolean same) {
    String a = shipped.fingerprint(SITE, get("/").ip(ip1).facts());
    String b = shipped.fingerprint(SITE, get("/").ip(ip2).facts());

    assertThat(a.equals(b)).isEqualTo(same);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "203.0.113.9,             203.0.113.0/24",
    "' 10.1.2.3 ',            10.1.2.0/24",
    "0.0.0.0,                 0.0.0.0/24",
    "255.255.255.255,         255.255.255.0/24",
    "::ffff:203.0.113.9,      203.0.113.0/24",
    "2001:db8:85a3:1234::1,   2001:0db8:85a3::/48",
    "2001:DB8::1,             2001:0db8:0000::/48",
    "fe80::1,                 fe80:0000:0000::/48",
    "::1,                     0000:0000:0000::/48",
  })
  void theAddressContributesItsSlash24OrSlash48(String ip, String prefix) {
    assertThat(Fingerprinter.ipPrefix(ip)).isEqualTo(prefix);
  }

  @ParameterizedTest(name = "''{0}''")
  @NullAndEmptySource
  @ValueSource(
      strings = {
        " ",
        "cafe",
        "dead.beef",
        "1.2.3",
        "1.2.3.256",
        "12",
        "shop.example",
        "localhost",
        "[::1]",
        "fe80::1%eth0",
        "::ffff:1.2.3.256",
        "1.2.3.4.5"
      })
  void anythingButAnAddressLiteralContributesNoNetwork(String notAnAddress) {
    assertThat(Fingerprinter.ipPrefix(notAnAddress)).isEmpty();
  }

  // On Java 17 a security manager is the one hook that sees every name lookup (InetAddress asks
  // checkConnect(host, -1) before resolving a name, and not for a literal); the test skips itself
  // where the JDK no longer allows installing one.
  @Test
  @SuppressWarnings("removal")
  void neverLooksUpANameOnTheDecisionPath() {
    List<String> lookedUp = new CopyOnWriteArrayList<>();
    SecurityManager previous = System.getSecurityManager();
    try {
      System.setSecurityManager(
          new SecurityManager() {
            @Override
            public void checkPermission(Permission perm) {}

            @Override
            public void checkPermission(Permission perm, Object context) {}

            @Override
            public void checkConnect(String host, int port) {
              if (port == -1) {
                lookedUp.add(host);
              }
            }
          });
    } catch (UnsupportedOperationException e) {
      Assumptions.abort("this JDK cannot install a security manager");
    }
    try {
      for (String ip : List.of("cafe", "dead.beef", "1.2.3.256", "bad.cafe", "203.0.113.9")) {
        shipped.fingerprint(SITE, get("/").ip(ip).facts());
        Cidr.parse("66.249.64.0/19").contains(ip);
      }
    } finally {
      System.setSecurityManager(previous);
    }

    assertThat(lookedUp).isEmpty();
  }
}
