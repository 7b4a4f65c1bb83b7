package dev.vigil.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AuthTest {

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(
      strings = {
        "Bearer vgt_abc",
        "bearer vgt_abc",
        "BEARER vgt_abc",
        "bEaReR vgt_abc",
        "  Bearer   vgt_abc  ",
      })
  void bearerValueReadsTheCredentialWhateverTheSchemesCase(String header) {
    assertEquals(Optional.of("vgt_abc"), Auth.bearerValue(header));
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"", "   ", "Bearer", "Bearer ", "Bearer    ", "bearer\t"})
  void bearerValueIsEmptyWhenTheCredentialIsMissing(String header) {
    assertEquals(Optional.empty(), Auth.bearerValue(header));
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(
      strings = {
        "Basic dXNlcjpwYXNz",
        "Token vgt_abc",
        "Bearervgt_abc",
        "vgt_abc",
        "Digest username=\"bearer\"",
      })
  void bearerValueIsEmptyForOtherSchemes(String header) {
    assertEquals(Optional.empty(), Auth.bearerValue(header));
  }
}
