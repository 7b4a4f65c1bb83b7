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
}
