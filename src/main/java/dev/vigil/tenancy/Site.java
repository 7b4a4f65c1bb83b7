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
}
