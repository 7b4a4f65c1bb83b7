package dev.vigil.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PreferencesTest {

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(
      strings = {
        "return=minimal",
        "RETURN=MINIMAL",
        "  return = minimal  ",
        "return=\"minimal\"",
        "return=minimal; foo=bar",
        "respond-async, return=minimal",
        "wait=10, handling=lenient , return=minimal",
        "odd=\"a, return=representation\", return=minimal",
        "return=minimal, return=representation",
      })
  void readsTheFirstReturnPreferenceOfAHeader(String header) {
    assertEquals(Optional.of("minimal"), Preferences.returnValue(header));
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"", "respond-async", "wait=10", "returns=minimal", "odd=\"return=x\""})
  void findsNoReturnPreferenceWhereThereIsNone(String header) {
    assertEquals(Optional.empty(), Preferences.returnValue(header));
  }

  @Test
  void anAbsentUnknownOrRepresentationPreferenceMeansTheFullAnswer() {
    assertEquals(Preferences.Return.REPRESENTATION, Preferences.returnOf(HttpRequest.create()));
    assertEquals(Preferences.Return.REPRESENTATION, Preferences.returnOf(with("return=brief")));
    assertEquals(Preferences.Return.REPRESENTATION, Preferences.returnOf(with("return")));
    assertEquals(
        Preferences.Return.REPRESENTATION, Preferences.returnOf(with("return=representation")));
    assertEquals(Preferences.Return.MINIMAL, Preferences.returnOf(with("Return=Minimal")));
  }

  @Test
  void readsEveryPreferHeaderInOrderAndTheFirstReturnCounts() {
    HttpRequest request =
        HttpRequest.create()
            .withHeaders(
                List.of(
                    RawHeader.create("Prefer", "respond-async"),
                    RawHeader.create("prefer", "return=minimal"),
                    RawHeader.create("Prefer", "return=representation")));
    assertEquals(Preferences.Return.MINIMAL, Preferences.returnOf(request));

    HttpRequest other =
        HttpRequest.create()
            .withHeaders(
                List.of(
                    RawHeader.create("Prefer", "return=representation"),
                    RawHeader.create("Prefer", "return=minimal")));
    assertEquals(Preferences.Return.REPRESENTATION, Preferences.returnOf(other));
  }

  private static HttpRequest with(String prefer) {
    return HttpRequest.create().addHeader(RawHeader.create("Prefer", prefer));
  }
}
