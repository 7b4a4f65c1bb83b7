package dev.vigil.tenancy;

import java.util.Set;

/** The API user behind a request: which token, what role, which sites it may see. */
public record Principal(
    String tokenId, String name, Role role, boolean allSites, Set<String> siteIds) {

  public Principal {
    siteIds = Set.copyOf(siteIds);
  }

  public static Principal of(ApiToken token) {
    return new Principal(token.id(), token.name(), token.role(), token.allSites(), token.siteIds());
  }

  public boolean isAdmin() {
    return role == Role.ADMIN;
  }

  public boolean maySee(String siteId) {
    return allSites || siteIds.contains(siteId);
  }

  /**
   * Whether this user's sites include all of the token's: a user for all sites covers every token,
   * a user for listed sites only tokens for some of those sites (never one for all sites).
   */
  public boolean covers(ApiToken token) {
    return allSites || (!token.allSites() && siteIds.containsAll(token.siteIds()));
  }
}
