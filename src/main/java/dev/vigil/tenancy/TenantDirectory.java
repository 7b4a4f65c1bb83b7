package dev.vigil.tenancy;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sites and tokens held in memory so that authenticating a beacon, a decision or an API call reads
 * no database. Reloaded whole on a timer (and at once after this process changes them); the tables
 * are small. Lookups are by public key or by the hash of the presented secret.
 */
public final class TenantDirectory {
  private static final Logger log = LoggerFactory.getLogger(TenantDirectory.class);

  private record Snapshot(
      Map<String, Site> byId,
      Map<String, Site> byPublicKey,
      Map<String, Site> byServerKeyHash,
      Map<String, ApiToken> tokensByHash,
      Map<String, ApiToken> tokensById) {}

  private final TenancyRepository repository;
  private volatile Snapshot snapshot =
      new Snapshot(Map.of(), Map.of(), Map.of(), Map.of(), Map.of());

  public TenantDirectory(TenancyRepository repository) {
    this.repository = repository;
  }

  /**
   * Reloads from the database; on failure the last good snapshot stays in force. One reload at a
   * time: otherwise a periodic reload that read the tables before a change could finish after the
   * reload made for that change and put back what the change replaced (a site just created unknown,
   * a token just revoked accepted again) until the next reload.
   */
  public synchronized void refresh() {
    try {
      List<Site> sites = repository.listSites();
      List<ApiToken> tokens = repository.listTokens();
      List<ApiToken> active = tokens.stream().filter(t -> !t.revoked()).toList();
      snapshot =
          new Snapshot(
              index(sites, Site::id),
              index(sites, Site::publicKey),
              index(sites, Site::serverKeyHash),
              active.stream().collect(Collectors.toUnmodifiableMap(ApiToken::tokenHash, t -> t)),
              active.stream().collect(Collectors.toUnmodifiableMap(ApiToken::id, t -> t)));
    } catch (SQLException e) {
      log.warn("Could not reload sites and tokens; keeping the previous ones", e);
    }
  }

  public Optional<Site> siteById(String id) {
    return Optional.ofNullable(snapshot.byId().get(id));
  }

  public Optional<Site> siteByPublicKey(String publicKey) {
    return Optional.ofNullable(snapshot.byPublicKey().get(publicKey));
  }

  public Optional<Site> siteByServerKey(String serverKey) {
    return Optional.ofNullable(snapshot.byServerKeyHash().get(Secrets.hash(serverKey)));
  }

  /** The active (not revoked) token whose secret this is. */
  public Optional<ApiToken> tokenBySecret(String secret) {
    return Optional.ofNullable(snapshot.tokensByHash().get(Secrets.hash(secret)));
  }

  /** The active token with this id (live streams re-check their token with it). */
  public Optional<ApiToken> tokenById(String id) {
    return Optional.ofNullable(snapshot.tokensById().get(id));
  }

  public List<Site> sites() {
    return snapshot.byId().values().stream().sorted((a, b) -> a.id().compareTo(b.id())).toList();
  }

  private static <K> Map<K, Site> index(List<Site> sites, Function<Site, K> key) {
    return sites.stream().collect(Collectors.toUnmodifiableMap(key, s -> s));
  }
}
