package dev.vigil.tenancy;

import java.util.List;
import java.util.Optional;

/**
 * The sites a read query may touch: one site the caller asked for (and was checked to see), or
 * every site the token may see. A token for all sites is not restricted at all, so sites created
 * after the token was loaded are included.
 */
public record SiteScope(boolean allSites, List<String> siteIds) {

  public SiteScope {
    siteIds = List.copyOf(siteIds);
  }

  /**
   * The requested site, or all the principal may see; visibility of {@code site} is checked first.
   */
  public static SiteScope of(Principal principal, Optional<String> site) {
    if (site.isPresent()) {
      return new SiteScope(false, List.of(site.get()));
    }
    return principal.allSites()
        ? new SiteScope(true, List.of())
        : new SiteScope(false, principal.siteIds().stream().sorted().toList());
  }

  /** The site ids to restrict to, or empty when nothing is restricted. */
  public Optional<List<String>> restriction() {
    return allSites ? Optional.empty() : Optional.of(siteIds);
  }
}
