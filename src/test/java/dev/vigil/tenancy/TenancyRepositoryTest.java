package dev.vigil.tenancy;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TenancyRepositoryTest {
  private static final String LONGEST_ID = "a".repeat(63);

  @ParameterizedTest(name = "\"{0}\" -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "default | default",
        "My Shop | my-shop",
        "'  Hello, World!  ' | hello-world",
        "ACME_Corp 2 | acme_corp-2",
        "blog--news | blog--news",
        "Café Olé | caf-ol",
        "_internal | internal",
        "-_- | site",
        "'' | site",
        "!!! | site",
      })
  void slugMakesASiteIdFromAName(String name, String expected) {
    assertEquals(expected, TenancyRepository.slug(name));
  }

  @Test
  void slugCutsALongNameToTheLongestSiteId() {
    assertEquals(LONGEST_ID, TenancyRepository.slug("A".repeat(100)));
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"_", "__x__", "-x-", "x_", "Ünïcödé only", "a b c", "9 lives"})
  void slugAlwaysGivesAValidSiteId(String name) {
    // when
    String id = TenancyRepository.slug(name);

    // then the bootstrap can create a site with it
    assertDoesNotThrow(() -> TenancyRepository.validateSite(id, name, 1), id);
  }

  @Test
  void slugDoesNotDependOnTheDefaultLocale() {
    // given a locale where upper-case I does not lower-case to i
    Locale previous = Locale.getDefault();
    Locale.setDefault(Locale.forLanguageTag("tr-TR"));
    try {
      // when / then
      assertEquals("indigo-site", TenancyRepository.slug("INDIGO SITE"));
    } finally {
      Locale.setDefault(previous);
    }
  }

  @ParameterizedTest(name = "{0} / {1} / tier {2}")
  @CsvSource({
    "shop, Shop, 1",
    "a, A, 2",
    "0-site_x, Site zero, 3",
    "blog-, Blog, 1",
  })
  void validateSiteAcceptsAValidSite(String id, String name, int tier) {
    assertDoesNotThrow(() -> TenancyRepository.validateSite(id, name, tier));
  }

  @Test
  void validateSiteAcceptsTheLongestIdAndName() {
    assertDoesNotThrow(() -> TenancyRepository.validateSite(LONGEST_ID, "n".repeat(200), 1));
  }

  @ParameterizedTest(name = "\"{0}\" / \"{1}\" / tier {2}")
  @CsvSource({
    "'', Shop, 1, site id",
    "Shop, Shop, 1, site id",
    "-shop, Shop, 1, site id",
    "_shop, Shop, 1, site id",
    "shop!, Shop, 1, site id",
    "my shop, Shop, 1, site id",
    "shop, '', 1, site name",
    "shop, '   ', 1, site name",
    "shop, Shop, 0, privacy tier",
    "shop, Shop, 4, privacy tier",
  })
  void validateSiteRejectsAnInvalidField(String id, String name, int tier, String field) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> TenancyRepository.validateSite(id, name, tier));
    assertTrue(e.getMessage().startsWith(field), e.getMessage());
  }

  @Test
  void validateSiteRejectsAnIdOrNameThatIsTooLong() {
    assertThrows(
        IllegalArgumentException.class,
        () -> TenancyRepository.validateSite(LONGEST_ID + "a", "Shop", 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> TenancyRepository.validateSite("shop", "n".repeat(201), 1));
  }
}
