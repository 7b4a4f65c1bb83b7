package dev.vigil.testkit;

/** Bodies of {@code POST /v1/decide} as an edge sends them for a desktop Chrome. */
public final class Decisions {
  public static final String CHROME =
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
          + " Chrome/131.0.0.0 Safari/537.36";

  private Decisions() {}

  /** A page request from {@code ip}; {@code session} null for a client without the cookie. */
  public static String browser(String ip, String path, String session) {
    return "{\"ip\":\""
        + ip
        + "\",\"path\":\""
        + path
        + "\",\"userAgent\":\""
        + CHROME
        + "\",\"accept\":\"text/html\",\"acceptLanguage\":\"en-US\",\"https\":true"
        + (session == null ? "" : ",\"sessionId\":\"" + session + "\"")
        + "}";
  }
}
