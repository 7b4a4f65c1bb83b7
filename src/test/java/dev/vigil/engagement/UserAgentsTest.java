package dev.vigil.engagement;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UserAgentsTest {
  private static final String CHROME_ON_WINDOWS =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
          + " Chrome/131.0.0.0 Safari/537.36";

  @Test
  void aBrowserIsParsedIntoDeviceBrowserAndSystem() {
    ClientInfo client = UserAgents.parse(CHROME_ON_WINDOWS);

    assertThat(client.deviceClass()).isEqualTo("Desktop");
    assertThat(client.browser()).isEqualTo("Chrome 131");
    assertThat(client.os()).isEqualTo("Windows NT");
    assertThat(client.agentClass()).isEqualTo("Browser");
  }

  @Test
  void aRepeatedUserAgentIsAnsweredFromTheCache() {
    String agent = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

    ClientInfo first = UserAgents.parse(agent);

    assertThat(UserAgents.parse(new String(agent.toCharArray()))).isSameAs(first);
    assertThat(first.browser()).isEqualTo("Firefox 133");
  }

  @Test
  void anOverlongUserAgentIsParsedButNotRemembered() {
    String agent = CHROME_ON_WINDOWS + " " + "x".repeat(600);

    ClientInfo first = UserAgents.parse(agent);

    assertThat(first).isNotEqualTo(ClientInfo.UNKNOWN);
    assertThat(UserAgents.parse(agent)).isEqualTo(first).isNotSameAs(first);
  }

  @Test
  void aCrawlerIsClassedAsARobot() {
    ClientInfo bot =
        UserAgents.parse(
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)");

    assertThat(bot.agentClass()).isEqualTo("Robot");
  }

  @Test
  void noUserAgentIsUnknown() {
    assertThat(UserAgents.parse(null)).isSameAs(ClientInfo.UNKNOWN);
    assertThat(UserAgents.parse("  ")).isSameAs(ClientInfo.UNKNOWN);
  }
}
