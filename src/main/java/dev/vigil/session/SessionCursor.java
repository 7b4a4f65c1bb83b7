package dev.vigil.session;

import dev.vigil.http.InvalidParameterException;
import dev.vigil.http.QueryParameters;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Base64;

/**
 * Where a page of {@code GET /v1/sessions} ended: the last row's (started_at, session_id), the
 * keyset the list is ordered by. Opaque to clients (base64url), so its form may change.
 */
public record SessionCursor(Instant startedAt, String sessionId) {

  public String encode() {
    String plain = startedAt + "|" + sessionId;
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(plain.getBytes(StandardCharsets.UTF_8));
  }

  public static SessionCursor decode(String token) {
    try {
      String plain = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      int bar = plain.indexOf('|');
      if (bar > 0 && bar < plain.length() - 1) {
        Instant at = Instant.parse(plain.substring(0, bar));
        if (!at.isBefore(QueryParameters.EARLIEST) && at.isBefore(QueryParameters.END)) {
          return new SessionCursor(at, plain.substring(bar + 1));
        }
      }
    } catch (IllegalArgumentException | DateTimeException e) {
      // answered below
    }
    throw new InvalidParameterException("cursor", "cursor is not one this API gave out");
  }
}
