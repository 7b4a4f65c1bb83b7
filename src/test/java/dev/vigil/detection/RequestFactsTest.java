package dev.vigil.detection;

import static dev.vigil.detection.DetectionFixtures.get;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which requests are pages (documents) rather than assets or API calls, and which are errors. */
class RequestFactsTest {

  @ParameterizedTest(name = "{0} {1} accepting {2} is a page: {3}")
  @CsvSource({
    "GET,  /,                    text/html,             true",
    "GET,  /products,            ,                      true",
    "GET,  /products/42,         '*/*',                 true",
    "get,  /about.html,          application/xhtml+xml, true",
    "HEAD, /products,            text/html,             true",
    ",     /products,            text/html,             true",
    "GET,  /static/app.js,       '*/*',                 false",
    "GET,  /static/site.CSS,     text/css,              false",
    "GET,  /img/logo.png,        'image/avif,image/webp,*/*', false",
    "GET,  /fonts/inter.woff2,   '*/*',                 false",
    "GET,  /feed.xml,            text/html,             false",
    "GET,  /api/items,           application/json,      false",
    "POST, /checkout,            text/html,             false",
    "PUT,  /cart,                text/html,             false",
    "OPTIONS, /products,         '*/*',                 false",
  })
  void pagesAreGetOrHeadOfDocumentsThatAcceptHtml(
      String method, String path, String accept, boolean page) {
    RequestFacts f = get(path).method(method).accept(accept).facts();

    assertThat(f.isPageRequest()).isEqualTo(page);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "/app.js,          js",
    "/a/b/Photo.JPEG,  jpeg",
    "/archive.tar.gz,  gz",
    "/v1.2/items,      ",
    "/.env,            ",
    "/file.,           ",
    "/dir.d/,          ",
    "/,                ",
  })
  void theExtensionIsTheLowerCaseSuffixOfTheLastSegment(String path, String extension) {
    assertThat(RequestFacts.extension(path)).isEqualTo(extension);
  }

  @ParameterizedTest(name = "status {0} is an error: {1}")
  @CsvSource({"200, false", "304, false", "399, false", "400, true", "404, true", "503, true"})
  void statusesFromFourHundredAreErrors(int status, boolean error) {
    assertThat(get("/").status(status).facts().isError()).isEqualTo(error);
  }

  @org.junit.jupiter.api.Test
  void aDecisionWithoutAStatusIsNoError() {
    assertThat(get("/").facts().isError()).isFalse();
  }
}
