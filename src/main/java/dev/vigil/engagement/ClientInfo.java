package dev.vigil.engagement;

import dev.vigil.CborSerializable;

/**
 * What the user agent says about the client, as parsed by yauaa: device class (Desktop, Phone,
 * Tablet, Robot, Hacker, ...), browser name and major version, OS name, and the agent class
 * (Browser, Robot, Hacker, ...). Unknown parts are "Unknown".
 */
public record ClientInfo(String deviceClass, String browser, String os, String agentClass)
    implements CborSerializable {
  public static final ClientInfo UNKNOWN =
      new ClientInfo("Unknown", "Unknown", "Unknown", "Unknown");
}
