package dev.vigil.tenancy;

import java.util.List;

/**
 * A tenant. The public key is used by the tracker in browsers; the server key (held only as a hash)
 * by proxies and agents. {@code allowedHosts} empty means any host may send beacons.
 */
public record Site(
    String id,
    String name,
    String publicKey,
    String serverKeyHash,
    List<String> allowedHosts,
    int privacyTier) {

  public Site {
    allowedHosts = List.copyOf(allowedHosts);
  }

  /**
   * Whether pages on this host belong to the site: any host when none are listed, else a listed
   * host or a subdomain of one ({@code www.shop.example} belongs to {@code shop.example}).
   */
  public boolean allowsHost(String host) {
    if (allowedHosts.isEmpty()) {
      return true;
    }
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(java.util.Locale.ROOT);
    return allowedHosts.stream()
        .map(a -> a.toLowerCase(java.util.Locale.ROOT))
        .anyMatch(a -> h.equals(a) || h.endsWith("." + a));
  }
}
