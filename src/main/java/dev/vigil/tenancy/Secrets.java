package dev.vigil.tenancy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Generation and hashing of keys and tokens. Secrets are 256 random bits with a readable prefix
 * ({@code vsk_} server key, {@code vgt_} API token; {@code vpk_} for the public key), so a leaked
 * one is recognisable in logs and scanners. Only SHA-256 hashes of secrets are stored.
 */
public final class Secrets {
  public static final String SERVER_KEY_PREFIX = "vsk_";
  public static final String TOKEN_PREFIX = "vgt_";
  public static final String PUBLIC_KEY_PREFIX = "vpk_";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();

  private Secrets() {}

  public static String newServerKey() {
    return SERVER_KEY_PREFIX + random(32);
  }

  public static String newToken() {
    return TOKEN_PREFIX + random(32);
  }

  public static String newPublicKey() {
    return PUBLIC_KEY_PREFIX + random(18);
  }

  /** A short random id for rows that are referred to by id (tokens). */
  public static String newId(String prefix) {
    return prefix + random(9);
  }

  public static String hash(String secret) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JVM", e);
    }
  }

  private static String random(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return URL.encodeToString(b);
  }
}
