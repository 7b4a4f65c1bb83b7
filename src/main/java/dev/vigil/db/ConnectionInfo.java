package dev.vigil.db;

/** How to reach the PostgreSQL in use, whichever way it was found. */
public record ConnectionInfo(String url, String user, String password) {

  /** The URL without credentials, safe to print and log. */
  public String safeUrl() {
    int query = url.indexOf('?');
    return query < 0 ? url : url.substring(0, query);
  }
}
