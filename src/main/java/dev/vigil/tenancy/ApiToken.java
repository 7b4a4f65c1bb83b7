package dev.vigil.tenancy;

import java.time.Instant;
import java.util.Set;

/**
 * An API user's bearer token as stored: its hash, role and the sites it may see ({@code allSites}
 * covers sites created later too).
 */
public record ApiToken(
    String id,
    String name,
    String tokenHash,
    Role role,
    boolean allSites,
    Set<String> siteIds,
    Instant createdAt,
    Instant revokedAt) {

  public ApiToken {
    siteIds = Set.copyOf(siteIds);
  }

  public boolean revoked() {
    return revokedAt != null;
  }
}
