package dev.vigil.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SiteScopeTest {
  private static final Principal VIEWER =
      new Principal("tok_1", "analyst", Role.VIEWER, false, Set.of("shop", "blog"));
  private static final Principal ADMIN = new Principal("tok_2", "ops", Role.ADMIN, true, Set.of());

  @Test
  void aTokenForListedSitesIsRestrictedToThem() {
    assertThat(SiteScope.of(VIEWER, Optional.empty()).restriction())
        .contains(List.of("blog", "shop"));
  }

  @Test
  void aTokenForAllSitesIsNotRestricted() {
    assertThat(SiteScope.of(ADMIN, Optional.empty()).restriction()).isEmpty();
  }

  @Test
  void aNamedSiteRestrictsEveryToken() {
    assertThat(SiteScope.of(ADMIN, Optional.of("shop")).restriction()).contains(List.of("shop"));
    assertThat(SiteScope.of(VIEWER, Optional.of("blog")).restriction()).contains(List.of("blog"));
  }
}
