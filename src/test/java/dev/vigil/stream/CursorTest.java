package dev.vigil.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CursorTest {

  @Test
  void positionsOfSeveralSitesRoundTripInSiteOrder() {
    Map<String, Cursor> cursors =
        Map.of("shop", new Cursor(1732323232000L, 42), "blog", new Cursor(1732323232001L, 0));
    String id = Cursor.encode(cursors);
    assertThat(id).startsWith("blog:").contains(",shop:");
    assertThat(Cursor.decode(id)).contains(cursors);
  }

  @Test
  void siteIdsWithColonsAndDotsStillRoundTrip() {
    Map<String, Cursor> cursors = Map.of("a.b:c", new Cursor(36, 35));
    assertThat(Cursor.encode(cursors)).isEqualTo("a.b:c:10.z");
    assertThat(Cursor.decode("a.b:c:10.z")).contains(cursors);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ",
        "site",
        "site:",
        "site:1",
        "site:1.",
        "site:.1",
        ":1.1",
        "site:1.1,",
        "site:-1.1",
        "site:1.-1",
        "site:zz!.1",
        "site:1.1,other"
      })
  void anythingElseIsNotAPosition(String id) {
    assertThat(Cursor.decode(id)).isEmpty();
  }
}
