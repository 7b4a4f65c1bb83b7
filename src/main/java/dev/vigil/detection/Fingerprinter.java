package dev.vigil.detection;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The device fingerprint: SHA-256 over the configured request features, truncated to 64 bits and
 * prefixed with the version ({@code f2_9c2e...}), so a change of features starts new fingerprints
 * rather than mixing them. The shipped features start with the site: a device has a fingerprint
 * (throttle, signals, baselines) per site, so one tenant's traffic, or one tenant's server key
 * posting decisions for any address and user agent it likes, cannot escalate or block another
 * tenant's visitors, and a fingerprint's rows belong to one site. The IP contributes its /24 (IPv4)
 * or /48 (IPv6) network only: a device keeps its fingerprint when its address changes within its
 * provider's block, while the user agent and language alone (the anchor's choice) would merge many
 * people into one "device".
 */
public final class Fingerprinter {
  private final int version;
  private final List<String> features;

  public Fingerprinter(int version, List<String> features) {
    this.version = version;
    this.features = List.copyOf(features);
  }

  public static Fingerprinter of(DetectionSettings settings) {
    return new Fingerprinter(settings.fingerprintVersion(), settings.fingerprintFeatures());
  }

  /** The fingerprint of a request to {@code siteId}. */
  public String fingerprint(String siteId, RequestFacts f) {
    StringBuilder input = new StringBuilder(256).append('v').append(version);
    for (String feature : features) {
      input.append('\u001f');
      switch (feature) {
        case "site" -> input.append(nullToEmpty(siteId));
        case "user-agent" -> input.append(nullToEmpty(f.userAgent()));
        case "accept-language" -> input.append(nullToEmpty(f.acceptLanguage()));
        case "client-hints" ->
            input
                .append(nullToEmpty(f.secChUa()))
                .append('|')
                .append(nullToEmpty(f.secChUaPlatform()))
                .append('|')
                .append(nullToEmpty(f.secChUaMobile()));
        case "ip-prefix" -> input.append(ipPrefix(f.ip()));
        case "client-fingerprint" -> input.append(nullToEmpty(f.clientFingerprint()));
        default -> throw new IllegalStateException("unknown fingerprint feature " + feature);
      }
    }
    byte[] digest = sha256(input.toString());
    return "f" + version + "_" + HexFormat.of().formatHex(digest, 0, 8);
  }

  /** The client's network: the /24 of an IPv4 address, the /48 of an IPv6 one. */
  public static String ipPrefix(String ip) {
    byte[] b = Cidr.literal(ip); // never resolves names on the decision path
    if (b == null) {
      return "";
    }
    if (b.length == 4) {
      return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + ".0/24";
    }
    return String.format("%02x%02x:%02x%02x:%02x%02x::/48", b[0], b[1], b[2], b[3], b[4], b[5]);
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
