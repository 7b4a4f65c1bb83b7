package dev.vigil.tenancy;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/** SQL for sites and API tokens. Secrets go in as plain text once and are stored hashed. */
public final class TenancyRepository {
  private static final Pattern SITE_ID = Pattern.compile("^[a-z0-9][a-z0-9_-]{0,62}$");
  // Any fixed number: serialises first-start bootstrap between nodes starting at the same time.
  private static final long BOOTSTRAP_LOCK = 0x76_69_67_69_6cL;

  /** A site just created, with its server key in plain text (shown once, never stored). */
  public record NewSite(Site site, String serverKey) {}

  /** A token just created, with its secret in plain text (shown once, never stored). */
  public record NewToken(ApiToken token, String secret) {}

  /** What the first start on an empty database created. */
  public record Bootstrap(NewSite site, NewToken adminToken) {}

  private final DataSource dataSource;

  public TenancyRepository(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public NewSite createSite(String id, String name, List<String> allowedHosts, int privacyTier)
      throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return insertSite(c, id, name, allowedHosts, privacyTier);
    }
  }

  public List<Site> listSites() throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT id, name, public_key, server_key_hash, allowed_hosts, privacy_tier"
                    + " FROM sites ORDER BY id")) {
      List<Site> sites = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          sites.add(
              new Site(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  Arrays.asList((String[]) rs.getArray(5).getArray()),
                  rs.getInt(6)));
        }
      }
      return sites;
    }
  }

  public NewToken createToken(String name, Role role, boolean allSites, Collection<String> siteIds)
      throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        NewToken token = insertToken(c, name, role, allSites, siteIds);
        c.commit();
        return token;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  public List<ApiToken> listTokens() throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      Map<String, Set<String>> sitesByToken = new HashMap<>();
      try (PreparedStatement ps =
              c.prepareStatement("SELECT token_id, site_id FROM api_token_sites");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          sitesByToken.computeIfAbsent(rs.getString(1), k -> new HashSet<>()).add(rs.getString(2));
        }
      }
      List<ApiToken> tokens = new ArrayList<>();
      try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT id, name, token_hash, role, all_sites, created_at, revoked_at"
                      + " FROM api_tokens ORDER BY created_at, id");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Timestamp revoked = rs.getTimestamp(7);
          tokens.add(
              new ApiToken(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  Role.fromDb(rs.getString(4)),
                  rs.getBoolean(5),
                  sitesByToken.getOrDefault(rs.getString(1), Set.of()),
                  rs.getTimestamp(6).toInstant(),
                  revoked == null ? null : revoked.toInstant()));
        }
      }
      return tokens;
    }
  }

  /** Revokes a token; false when no active token has that id. */
  public boolean revokeToken(String id) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "UPDATE api_tokens SET revoked_at = now() WHERE id = ? AND revoked_at IS NULL")) {
      ps.setString(1, id);
      return ps.executeUpdate() == 1;
    }
  }

  /**
   * On an empty database, creates the default site and an admin token for every site, once, even
   * when several nodes start together. Empty when sites already exist.
   */
  public Optional<Bootstrap> bootstrapIfEmpty(String siteName) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
          lock.setLong(1, BOOTSTRAP_LOCK);
          lock.execute();
        }
        try (PreparedStatement count = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM sites)");
            ResultSet rs = count.executeQuery()) {
          rs.next();
          if (rs.getBoolean(1)) {
            c.rollback();
            return Optional.empty();
          }
        }
        NewSite site = insertSite(c, slug(siteName), siteName, List.of(), 1);
        NewToken token = insertToken(c, "admin", Role.ADMIN, true, List.of());
        c.commit();
        return Optional.of(new Bootstrap(site, token));
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  /**
   * A valid site id made from a name: lower case, runs of other characters become '-'. Lower-cased
   * in the root locale (in Turkish, 'I' would become a dotless 'ı' and then a '-'); leading '_' is
   * dropped too, since an id must start with a letter or digit.
   */
  public static String slug(String name) {
    String s =
        name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]+", "-").replaceAll("^[-_]+|-+$", "");
    if (s.isEmpty()) {
      s = "site";
    }
    return s.length() > 63 ? s.substring(0, 63) : s;
  }

  public static void validateSite(String id, String name, int privacyTier) {
    if (!SITE_ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "site id must be 1-63 characters of a-z, 0-9, '_' or '-', starting with a letter or digit");
    }
    if (name.isBlank() || name.length() > 200) {
      throw new IllegalArgumentException("site name must be 1-200 characters");
    }
    if (privacyTier < 1 || privacyTier > 3) {
      throw new IllegalArgumentException("privacy tier must be 1, 2 or 3");
    }
  }

  private static NewSite insertSite(
      Connection c, String id, String name, List<String> allowedHosts, int privacyTier)
      throws SQLException {
    validateSite(id, name, privacyTier);
    String serverKey = Secrets.newServerKey();
    Site site =
        new Site(
            id, name, Secrets.newPublicKey(), Secrets.hash(serverKey), allowedHosts, privacyTier);
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO sites (id, name, public_key, server_key_hash, allowed_hosts, privacy_tier)"
                + " VALUES (?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, site.id());
      ps.setString(2, site.name());
      ps.setString(3, site.publicKey());
      ps.setString(4, site.serverKeyHash());
      Array hosts = c.createArrayOf("text", allowedHosts.toArray());
      ps.setArray(5, hosts);
      ps.setInt(6, privacyTier);
      ps.executeUpdate();
    }
    return new NewSite(site, serverKey);
  }

  private static NewToken insertToken(
      Connection c, String name, Role role, boolean allSites, Collection<String> siteIds)
      throws SQLException {
    if (name.isBlank() || name.length() > 200) {
      throw new IllegalArgumentException("token name must be 1-200 characters");
    }
    if (!allSites && siteIds.isEmpty()) {
      throw new IllegalArgumentException("a token needs at least one site, or all sites");
    }
    String secret = Secrets.newToken();
    String id = Secrets.newId("tok_");
    Instant now = Instant.now();
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO api_tokens (id, name, token_hash, role, all_sites, created_at)"
                + " VALUES (?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, id);
      ps.setString(2, name);
      ps.setString(3, Secrets.hash(secret));
      ps.setString(4, role.dbValue());
      ps.setBoolean(5, allSites);
      ps.setTimestamp(6, Timestamp.from(now));
      ps.executeUpdate();
    }
    if (!allSites) {
      try (PreparedStatement ps =
          c.prepareStatement("INSERT INTO api_token_sites (token_id, site_id) VALUES (?, ?)")) {
        for (String siteId : siteIds) {
          ps.setString(1, id);
          ps.setString(2, siteId);
          ps.addBatch();
        }
        ps.executeBatch();
      } catch (SQLException e) {
        // A batch's failure carries the statement's own in its chain: only a missing site is the
        // caller's mistake; a lost connection or a cancelled statement stays what it is.
        for (SQLException s = e; s != null; s = s.getNextException()) {
          if ("23503".equals(s.getSQLState())) {
            throw new IllegalArgumentException("unknown site in " + siteIds, e);
          }
        }
        throw e;
      }
    }
    ApiToken token =
        new ApiToken(
            id, name, Secrets.hash(secret), role, allSites, Set.copyOf(siteIds), now, null);
    return new NewToken(token, secret);
  }
}
