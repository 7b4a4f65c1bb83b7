package dev.vigil.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vigil.VigilConfig;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The database's time limits: the shipped ones, and the combinations refused at start. */
class DatabaseSettingsTest {
  private static final Config SHIPPED =
      VigilConfig.load(Optional.of(Path.of("conf", "application.conf")));

  @Test
  void shipsAQueryTimeoutUnderTheRequestTimeoutAndALongerSocketTimeout() {
    DatabaseSettings settings = DatabaseSettings.fromConfig(SHIPPED);

    assertThat(settings.queryTimeout()).hasSeconds(15);
    assertThat(SHIPPED.getDuration("pekko.http.server.request-timeout"))
        .isGreaterThan(settings.queryTimeout());
    assertThat(settings.socketTimeoutSeconds()).isEqualTo(120);
    assertThat(settings.backgroundStatementTimeout()).hasSeconds(90);
  }

  @Test
  void noLimitsAtAllIsAllowed() {
    DatabaseSettings settings = with("0s", "0s");

    assertThat(settings.queryTimeout()).isZero();
    assertThat(settings.socketTimeoutSeconds()).isZero();
    assertThat(settings.backgroundStatementTimeout()).isZero();
  }

  @Test
  void refusesASocketTimeoutThatWouldBreakAConnectionBeforeItsQueryIsCancelled() {
    assertThatThrownBy(() -> with("10s", "10s"))
        .hasMessageContaining("socket-timeout (10 s) must be longer than query-timeout (10000 ms)");
    // the driver counts whole seconds: 10.5 s is 10
    assertThatThrownBy(() -> with("10s", "10500ms"))
        .hasMessageContaining("socket-timeout (10 s) must be longer");
    assertThatThrownBy(() -> with("0s", "120s"))
        .hasMessageContaining("must be longer than query-timeout (none)")
        .hasMessageContaining("set socket-timeout to 0 as well");
  }

  @Test
  void refusesAQueryTimeoutThatOutlivesTheHttpRequest() {
    assertThatThrownBy(() -> with("20s", "120s"))
        .hasMessageContaining("query-timeout (20000 ms) must be shorter than")
        .hasMessageContaining("pekko.http.server.request-timeout (20000 ms)");
  }

  @Test
  void refusesASocketTimeoutUnderASecondAndNegativeTimeouts() {
    assertThatThrownBy(() -> with("100ms", "500ms")).hasMessageContaining("whole seconds");
    assertThatThrownBy(() -> with("-1s", "0s")).hasMessageContaining("must not be negative");
  }

  private static DatabaseSettings with(String queryTimeout, String socketTimeout) {
    return DatabaseSettings.fromConfig(
        ConfigFactory.parseString(
                "vigil.database.query-timeout = "
                    + queryTimeout
                    + "\nvigil.database.socket-timeout = "
                    + socketTimeout)
            .withFallback(SHIPPED));
  }
}
