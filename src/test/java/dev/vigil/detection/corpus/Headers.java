package dev.vigil.detection.corpus;

import dev.vigil.detection.corpus.Clients.Browser;

/** The header set a bot sends with every request; builds the requests. */
record Headers(
    String userAgent,
    String accept,
    String acceptLanguage,
    String secChUa,
    String secChUaPlatform,
    String secChUaMobile) {

  /** Everything a real browser sends over https, client hints included. */
  static Headers browser(Browser b, String language) {
    return new Headers(
        b.userAgent(),
        Clients.accept(b),
        Clients.languageFor(b, language),
        b.secChUa(),
        b.platform(),
        b.mobile());
  }

  /** A browser's user agent without the client hints (and, when null, the language) it sends. */
  static Headers spoofed(Browser b, String language) {
    return new Headers(b.userAgent(), Clients.accept(b), language, null, null, null);
  }

  static Headers agent(String userAgent, String accept) {
    return new Headers(userAgent, accept, null, null, null, null);
  }

  Trace.Request get(long at, String sessionKey, String ip, String path, String referer) {
    return new Trace.Request(
        at,
        sessionKey,
        ip,
        "GET",
        path,
        null,
        userAgent,
        accept,
        acceptLanguage,
        secChUa,
        secChUaPlatform,
        secChUaMobile,
        referer,
        true);
  }
}
