package dev.vigil.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class LivePopulationTest {
  private static final long GIB = 1L << 30;
  private static final ActorTestKit KIT =
      ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local"));

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @Test
  void autoGivesTheEntitiesAShareOfTheHeapAtTheirSize() {
    Config c = ConfigFactory.parseString("max-live = auto");

    assertThat(LivePopulation.limit(c, "max-live", 0.25, 6 * 1024, 4 * GIB)).isEqualTo(174_762);
    assertThat(LivePopulation.limit(c, "max-live", 0.25, 6 * 1024, 1 * GIB)).isEqualTo(43_690);
  }

  @Test
  void autoLeavesEveryShardTenEntitiesEvenOnATinyHeap() {
    Config defaults = ConfigFactory.parseString("max-live = AUTO");
    Config fourShards =
        ConfigFactory.parseString("max-live = auto, pekko.cluster.sharding.number-of-shards = 4");

    assertThat(LivePopulation.limit(defaults, "max-live", 0.25, 6 * 1024, 16L << 20))
        .isEqualTo(10_000); // Pekko's 1,000 shards
    assertThat(LivePopulation.limit(fourShards, "max-live", 0.25, 6 * 1024, 16L << 20))
        .isEqualTo(682);
    assertThat(LivePopulation.limit(fourShards, "max-live", 0.25, 6 * 1024, 64L << 10))
        .isEqualTo(40);
  }

  @Test
  void aCountIsTakenAsItIs() {
    assertThat(
            LivePopulation.limit(
                ConfigFactory.parseString("max-live = 250000"), "max-live", 0.25, 6144, GIB))
        .isEqualTo(250_000);
    assertThat(
            LivePopulation.limit(
                ConfigFactory.parseString(
                    "max-live = \"500\", pekko.cluster.sharding.number-of-shards = 10"),
                "max-live",
                0.25,
                6144,
                GIB))
        .isEqualTo(500);
  }

  @Test
  void aCountThatLeavesAShardFewerThanTenIsRefusedSayingWhatWouldDo() {
    Config c = ConfigFactory.parseString("vigil.sessions.max-live = 5000");

    assertThatThrownBy(() -> LivePopulation.limit(c, "vigil.sessions.max-live", 0.25, 6144, GIB))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "vigil.sessions.max-live = 5000 leaves fewer than 10 live entities to each of the 1000"
                + " shards it is split among (pekko.cluster.sharding.number-of-shards): set at"
                + " least 10000, or \"auto\"");
  }

  @Test
  void anythingButAutoOrACountIsRefusedNamingTheSetting() {
    for (String bad : new String[] {"-5", "lots", "1.5", ""}) {
      Config c = ConfigFactory.parseString("vigil.sessions.max-live = \"" + bad + "\"");
      assertThatThrownBy(() -> LivePopulation.limit(c, "vigil.sessions.max-live", 0.25, 6144, GIB))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("vigil.sessions.max-live must be \"auto\" or a count");
    }
  }

  @Test
  void theSettingsPassivateIdleEntitiesAndThoseBeyondTheLimitByPekkosDefaultStrategy() {
    var settings =
        LivePopulation.settings(KIT.system(), Duration.ofMinutes(35), 1234)
            .passivationStrategySettings();

    assertThat(settings.activeEntityLimit().get()).isEqualTo(1234);
    assertThat(settings.idleEntitySettings().get().timeout().toMillis())
        .isEqualTo(Duration.ofMinutes(35).toMillis());
    // the default strategy's admission window and frequency sketch: scan resistant
    assertThat(settings.admissionSettings().isDefined()).isTrue();
    assertThat(settings.admissionSettings().get().filter().isDefined()).isTrue();
    assertThat(settings.replacementPolicySettings().isDefined()).isTrue();
  }
}
