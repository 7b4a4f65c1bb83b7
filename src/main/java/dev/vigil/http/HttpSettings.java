package dev.vigil.http;

import com.typesafe.config.Config;
import java.time.Duration;

/** Where and how the HTTP API listens, from {@code vigil.http}. */
public record HttpSettings(
    String iface, int port, String publicUrl, long maxBodyBytes, Duration shutdownGrace) {

  public static HttpSettings fromConfig(Config config) {
    Config c = config.getConfig("vigil.http");
    long maxBody = c.getBytes("max-body-bytes");
    if (maxBody < 1024) {
      throw new IllegalArgumentException("vigil.http.max-body-bytes must be at least 1024");
    }
    return new HttpSettings(
        c.getString("interface"),
        c.getInt("port"),
        c.getString("public-url"),
        maxBody,
        c.getDuration("shutdown-grace"));
  }

  /** The URL people open, given the port actually bound (which differs when port is 0). */
  public String publicUrl(int boundPort) {
    if (!publicUrl.isBlank()) {
      return publicUrl.endsWith("/") ? publicUrl : publicUrl + "/";
    }
    String host = iface.equals("0.0.0.0") ? "127.0.0.1" : iface;
    return "http://" + host + ":" + boundPort + "/";
  }
}
