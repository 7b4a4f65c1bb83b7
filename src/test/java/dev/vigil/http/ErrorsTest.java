package dev.vigil.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.junit.jupiter.api.Test;

/** What a database failure that reaches a route is answered with. */
class ErrorsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aCancelledQueryIsAQueryTimeoutWithoutRetryAfter() throws Exception {
    HttpResponse r =
        Errors.toResponse(
            new SQLException("canceling statement due to statement timeout", "57014"));

    assertThat(r.status().intValue()).isEqualTo(503);
    assertThat(code(r)).isEqualTo("query_timeout");
    assertThat(retryAfter(r)).isEmpty();
  }

  @Test
  void anUnreachableDatabaseIsStorageUnavailableWithRetryAfter() throws Exception {
    for (String state : new String[] {"08001", "08006", "57P01", "53300"}) {
      HttpResponse r = Errors.toResponse(new SQLException("gone", state));

      assertThat(r.status().intValue()).as(state).isEqualTo(503);
      assertThat(code(r)).as(state).isEqualTo("storage_unavailable");
      assertThat(message(r)).as(state).contains("unreachable");
      assertThat(retryAfter(r)).as(state).contains("5");
    }
  }

  @Test
  void thePoolsWaitSaysWhetherTheDatabaseFailedOrEveryConnectionWasBusy() throws Exception {
    HttpResponse busy =
        Errors.toResponse(new SQLTransientConnectionException("request timed out after 5000ms"));
    HttpResponse failing =
        Errors.toResponse(
            new SQLTransientConnectionException(
                "request timed out after 5000ms",
                "08001",
                new SQLException("Connection refused", "08001")));

    assertThat(code(busy)).isEqualTo("storage_unavailable");
    assertThat(message(busy)).contains("no database connection was free");
    assertThat(code(failing)).isEqualTo("storage_unavailable");
    assertThat(message(failing)).contains("unreachable");
  }

  @Test
  void aNulCharacterThatReachedAQueryIsABadRequest() throws Exception {
    for (String state : new String[] {"22021", "22P05"}) {
      HttpResponse r = Errors.toResponse(new SQLException("0x00 is not valid text", state));

      assertThat(r.status().intValue()).as(state).isEqualTo(400);
      assertThat(code(r)).as(state).isEqualTo("bad_request");
      assertThat(message(r)).as(state).contains("NUL");
    }
  }

  @Test
  void otherDatabaseErrorsStayInternalErrors() throws Exception {
    for (String state : new String[] {"08P01", "42601", "23505"}) {
      HttpResponse r = Errors.toResponse(new SQLException("a bug", state));

      assertThat(r.status().intValue()).as(state).isEqualTo(500);
      assertThat(code(r)).as(state).isEqualTo("internal_error");
    }
  }

  private static JsonNode error(HttpResponse r) throws Exception {
    return JSON.readTree(((HttpEntity.Strict) r.entity()).getData().utf8String()).path("error");
  }

  private static String code(HttpResponse r) throws Exception {
    return error(r).path("code").asText();
  }

  private static String message(HttpResponse r) throws Exception {
    return error(r).path("message").asText();
  }

  private static Optional<String> retryAfter(HttpResponse r) {
    return r.getHeader("Retry-After").map(HttpHeader::value);
  }
}
