package dev.vigil.tenancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SecretsTest {
  private static final String URL_SAFE = "[A-Za-z0-9_-]";

  static Stream<Arguments> generators() {
    return Stream.of(
        Arguments.of("server key", (Supplier<String>) Secrets::newServerKey, "vsk_", 43),
        Arguments.of("token", (Supplier<String>) Secrets::newToken, "vgt_", 43),
        Arguments.of("public key", (Supplier<String>) Secrets::newPublicKey, "vpk_", 24),
        Arguments.of("id", (Supplier<String>) () -> Secrets.newId("tok_"), "tok_", 12));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("generators")
  void generatesPrefixedUrlSafeValuesOfFixedLength(
      String kind, Supplier<String> generator, String prefix, int randomChars) {
    // when
    String value = generator.get();

    // then
    assertTrue(value.matches(prefix + URL_SAFE + "{" + randomChars + "}"), value);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("generators")
  void neverGeneratesTheSameValueTwice(
      String kind, Supplier<String> generator, String prefix, int randomChars) {
    // when
    Set<String> values = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      values.add(generator.get());
    }

    // then
    assertEquals(10_000, values.size());
  }

  @Test
  void hashesWithSha256AsLowerCaseHex() {
    // SHA-256 of "abc", from FIPS 180-2
    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Secrets.hash("abc"));
  }

  @Test
  void hashesTheSameSecretToTheSameValueEveryTime() {
    // given
    String secret = Secrets.newToken();

    // when
    String hash = Secrets.hash(secret);

    // then
    assertTrue(hash.matches("[0-9a-f]{64}"), hash);
    assertEquals(hash, Secrets.hash(secret));
    assertNotEquals(secret, hash);
  }

  @Test
  void hashesSecretsThatDifferInOneCharacterToUnrelatedValues() {
    // given
    String secret = Secrets.newServerKey();
    String last = secret.substring(secret.length() - 1);
    String neighbour = secret.substring(0, secret.length() - 1) + (last.equals("A") ? "B" : "A");

    // when
    String hash = Secrets.hash(secret);
    String neighbourHash = Secrets.hash(neighbour);

    // then
    assertNotEquals(hash, neighbourHash);
    assertNotEquals(hash.substring(0, 16), neighbourHash.substring(0, 16));
  }
}
