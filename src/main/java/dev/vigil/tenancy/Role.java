package dev.vigil.tenancy;

import java.util.Locale;

/** What an API token may do: admins change settings and keys, viewers only read. */
public enum Role {
  ADMIN,
  VIEWER;

  public String dbValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Role fromDb(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
