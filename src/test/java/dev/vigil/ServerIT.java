package dev.vigil;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.db.ConnectionInfo;
import dev.vigil.tenancy.Role;
import dev.vigil.tenancy.TenancyRepository;
import dev.vigil.testkit.Await;
import dev.vigil.testkit.HttpTestClient;
import dev.vigil.testkit.HttpTestClient.Reply;
import dev.vigil.testkit.TestNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The whole node started in-process on a fresh database: readiness, first-start bootstrap, tokens
 * created and used, every 401/403 path, the JSON error body, metrics, and a restart on the same
 * database that keeps sites and tokens.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerIT {

  private ConnectionInfo db;
  private TestNode node;
  private HttpTestClient http;
  private String adminToken;
  private String serverKey;

  @BeforeAll
  void startServer() {
    node = TestNode.start();
    db = node.db();
    http = node.http();
    adminToken = node.adminToken();
    serverKey = node.serverKey();
  }

  @AfterAll
  void stopServer() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void answersHealthAndReadinessWithItsChecks() {
    assertThat(http.get("/health").json().path("status").asText()).isEqualTo("up");
    JsonNode ready = http.get("/ready").json();
    assertThat(ready.path("status").asText()).isEqualTo("ready");
    assertThat(ready.path("checks").path("database").asText()).isEqualTo("reachable");
    assertThat(ready.path("checks").path("migrations").asText()).isEqualTo("applied");
    assertThat(ready.path("checks").path("cluster").asText()).isEqualTo("Up");
  }

  @Test
  void firstStartCreatesTheDefaultSiteAndAnAdminTokenThatWorks() {
    Reply me = http.get("/v1/me", adminToken);
    assertThat(me.status()).isEqualTo(200);
    assertThat(me.json().path("role").asText()).isEqualTo("admin");
    assertThat(me.json().path("sites").toString()).contains("default");

    Reply site = http.get("/v1/site", serverKey);
    assertThat(site.status()).isEqualTo(200);
    assertThat(site.json().path("id").asText()).isEqualTo("default");
  }

  @Test
  void storesOnlyHashesOfSecrets() throws Exception {
    try (var c = java.sql.DriverManager.getConnection(db.url(), db.user(), db.password());
        var st =
            c.prepareStatement(
                "SELECT (SELECT count(*) FROM api_tokens WHERE token_hash = ?)"
                    + " + (SELECT count(*) FROM sites WHERE server_key_hash = ?)"
                    + " + (SELECT count(*) FROM api_tokens WHERE token_hash = ?)")) {
      st.setString(1, adminToken);
      st.setString(2, serverKey);
      st.setString(3, dev.vigil.tenancy.Secrets.hash(adminToken));
      var rs = st.executeQuery();
      rs.next();
      // the plain secrets are nowhere; the admin token's hash is there exactly once
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
  }

  @Test
  void aViewerTokenCreatedByAnAdminSeesOnlyItsSites() {
    Reply site =
        http.postJson(
            "/v1/sites", adminToken, "{\"id\":\"shop\",\"name\":\"Shop\",\"privacyTier\":2}");
    assertThat(site.status()).isEqualTo(201);
    assertThat(site.json().path("serverKey").asText()).startsWith("vsk_");

    Reply created =
        http.postJson(
            "/v1/tokens",
            adminToken,
            "{\"name\":\"analyst\",\"role\":\"viewer\",\"sites\":[\"shop\"]}");
    assertThat(created.status()).isEqualTo(201);
    String viewer = created.json().path("secret").asText();

    Reply me = http.get("/v1/me", viewer);
    assertThat(me.status()).isEqualTo(200);
    assertThat(me.json().path("role").asText()).isEqualTo("viewer");
    assertThat(me.json().path("sites").toString()).isEqualTo("[\"shop\"]");

    Reply sites = http.get("/v1/sites", viewer);
    assertThat(sites.json().findValuesAsText("id")).containsExactly("shop");
    assertThat(http.get("/v1/sites/shop", viewer).status()).isEqualTo(200);

    Reply otherSite = http.get("/v1/sites/default", viewer);
    assertThat(otherSite.status()).isEqualTo(403);
    assertThat(otherSite.errorCode()).isEqualTo("forbidden");
    assertThat(http.postJson("/v1/sites", viewer, "{\"name\":\"x\"}").status()).isEqualTo(403);
    assertThat(http.get("/v1/tokens", viewer).status()).isEqualTo(403);
  }

  @Test
  void anAdminOfListedSitesAdministersOnlyThoseSites() {
    for (String id : List.of("iso-a", "iso-b")) {
      assertThat(
              http.postJson(
                      "/v1/sites", adminToken, "{\"id\":\"" + id + "\",\"name\":\"" + id + "\"}")
                  .status())
          .isEqualTo(201);
    }
    Reply made =
        http.postJson(
            "/v1/tokens",
            adminToken,
            "{\"name\":\"a-admin\",\"role\":\"admin\",\"sites\":[\"iso-a\"]}");
    assertThat(made.status()).isEqualTo(201);
    String siteAdmin = made.json().path("secret").asText();
    String siteAdminId = made.json().path("token").path("id").asText();

    // it gives out no more than it has
    Reply everything =
        http.postJson(
            "/v1/tokens", siteAdmin, "{\"name\":\"x\",\"role\":\"admin\",\"allSites\":true}");
    assertThat(everything.status()).isEqualTo(403);
    assertThat(everything.errorCode()).isEqualTo("forbidden");
    Reply otherSite =
        http.postJson(
            "/v1/tokens", siteAdmin, "{\"name\":\"x\",\"role\":\"viewer\",\"sites\":[\"iso-b\"]}");
    assertThat(otherSite.status()).isEqualTo(403);
    // a site that does not exist is refused the same way: no probing for other tenants' ids
    assertThat(
            http.postJson("/v1/tokens", siteAdmin, "{\"name\":\"x\",\"sites\":[\"iso-none\"]}")
                .status())
        .isEqualTo(403);
    Reply own =
        http.postJson(
            "/v1/tokens",
            siteAdmin,
            "{\"name\":\"a-viewer\",\"role\":\"viewer\",\"sites\":[\"iso-a\",\"iso-a\"]}");
    assertThat(own.status()).as(own.body()).isEqualTo(201);
    assertThat(own.json().path("token").path("sites").toString()).isEqualTo("[\"iso-a\"]");

    // it lists and revokes only tokens of its sites
    String operatorId = http.get("/v1/me", adminToken).json().path("tokenId").asText();
    List<String> listed = http.get("/v1/tokens", siteAdmin).json().findValuesAsText("id");
    assertThat(listed).contains(siteAdminId, own.json().path("token").path("id").asText());
    assertThat(listed).doesNotContain(operatorId);
    assertThat(http.get("/v1/tokens", adminToken).json().findValuesAsText("id"))
        .contains(operatorId, siteAdminId);
    Reply revokeOperator = http.delete("/v1/tokens/" + operatorId, siteAdmin);
    assertThat(revokeOperator.status()).isEqualTo(404);
    assertThat(http.get("/v1/me", adminToken).status()).isEqualTo(200);

    // what acts on every tenant needs an admin for all sites
    assertThat(http.postJson("/v1/sites", siteAdmin, "{\"name\":\"mine\"}").status())
        .isEqualTo(403);
    assertThat(
            http.putJson(
                    "/v1/anomaly-thresholds/error_rate",
                    siteAdmin,
                    "{\"warningFloor\":0.1,\"criticalFloor\":0.2,\"warningMultiple\":2,\"criticalMultiple\":3}")
                .status())
        .isEqualTo(403);
    assertThat(http.get("/v1/cluster", siteAdmin).status()).isEqualTo(403);
    assertThat(http.get("/v1/cluster", adminToken).status()).isEqualTo(200);
  }

  @Test
  void refusesABadTokenRequestWithTheField() {
    Reply longName =
        http.postJson(
            "/v1/tokens", adminToken, "{\"name\":\"" + "n".repeat(201) + "\",\"allSites\":true}");
    assertThat(longName.status()).isEqualTo(400);
    assertThat(longName.json().path("error").path("details").path("field").asText())
        .isEqualTo("name");
    Reply nullSite = http.postJson("/v1/tokens", adminToken, "{\"name\":\"n\",\"sites\":[null]}");
    assertThat(nullSite.status()).isEqualTo(400);
    assertThat(nullSite.json().path("error").path("details").path("field").asText())
        .isEqualTo("sites");
  }

  @Test
  void refusesMissingMalformedUnknownAndMisplacedCredentials() {
    Reply missing = http.get("/v1/me");
    assertThat(missing.status()).isEqualTo(401);
    assertThat(missing.errorCode()).isEqualTo("missing_credentials");
    assertThat(missing.raw().headers().firstValue("WWW-Authenticate")).isPresent();

    Reply basic = http.getWithAuthorization("/v1/me", "Basic dXNlcjpwYXNz");
    assertThat(basic.status()).isEqualTo(401);
    assertThat(basic.errorCode()).isEqualTo("malformed_credentials");

    Reply unknown = http.get("/v1/me", "vgt_notATokenAnyoneWasGiven");
    assertThat(unknown.status()).isEqualTo(401);
    assertThat(unknown.errorCode()).isEqualTo("invalid_token");

    Reply serverKeyAsToken = http.get("/v1/me", serverKey);
    assertThat(serverKeyAsToken.status()).isEqualTo(401);
    assertThat(serverKeyAsToken.errorCode()).isEqualTo("wrong_credentials");

    Reply tokenAsServerKey = http.get("/v1/site", adminToken);
    assertThat(tokenAsServerKey.status()).isEqualTo(401);
    assertThat(tokenAsServerKey.errorCode()).isEqualTo("wrong_credentials");

    Reply unknownServerKey = http.get("/v1/site", "vsk_unknown");
    assertThat(unknownServerKey.status()).isEqualTo(401);
    assertThat(unknownServerKey.errorCode()).isEqualTo("invalid_server_key");
  }

  @Test
  void aRevokedTokenIsRefusedAtOnce() {
    Reply created =
        http.postJson(
            "/v1/tokens", adminToken, "{\"name\":\"temp\",\"role\":\"admin\",\"allSites\":true}");
    String secret = created.json().path("secret").asText();
    String id = created.json().path("token").path("id").asText();
    assertThat(http.get("/v1/me", secret).status()).isEqualTo(200);

    assertThat(http.delete("/v1/tokens/" + id, adminToken).status()).isEqualTo(204);

    Reply after = http.get("/v1/me", secret);
    assertThat(after.status()).isEqualTo(401);
    assertThat(after.errorCode()).isEqualTo("invalid_token");
    assertThat(http.delete("/v1/tokens/" + id, adminToken).status()).isEqualTo(404);
  }

  @Test
  void aTokenCreatedByAnotherProcessWorksAfterTheDirectoryRefreshes() throws Exception {
    // What `vigil tokens create` does from another process: write the row directly.
    var created =
        new TenancyRepository(node.server().database().dataSource())
            .createToken("from-cli", Role.VIEWER, false, List.of("default"));
    Await.until(
        Duration.ofSeconds(10),
        () -> assertThat(http.get("/v1/me", created.secret()).status()).isEqualTo(200));
  }

  @Test
  void aTokenForASiteThatDoesNotExistIsRefusedAsSuchAndNotStored() throws Exception {
    // What `vigil tokens create --site …` does: the repository names the mistake
    var tenancy = new TenancyRepository(node.server().database().dataSource());

    assertThatThrownBy(
            () -> tenancy.createToken("typo", Role.VIEWER, false, List.of("default", "no-such")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown site");
    assertThat(tenancy.listTokens()).noneMatch(t -> t.name().equals("typo"));
  }

  @Test
  void rejectsInvalidInputWithAPreciseJsonError() {
    Reply malformed = http.postJson("/v1/sites", adminToken, "{\"name\":");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.errorCode()).isEqualTo("bad_request");

    Reply badTier = http.postJson("/v1/sites", adminToken, "{\"name\":\"Blog\",\"privacyTier\":7}");
    assertThat(badTier.status()).isEqualTo(400);
    assertThat(badTier.json().path("error").path("message").asText()).contains("privacy tier");

    Reply badRole =
        http.postJson(
            "/v1/tokens", adminToken, "{\"name\":\"x\",\"role\":\"root\",\"allSites\":true}");
    assertThat(badRole.status()).isEqualTo(400);
    assertThat(badRole.json().path("error").path("details").path("field").asText())
        .isEqualTo("role");

    Reply unknownSite =
        http.postJson("/v1/tokens", adminToken, "{\"name\":\"x\",\"sites\":[\"nope\"]}");
    assertThat(unknownSite.status()).isEqualTo(400);

    Reply duplicate = http.postJson("/v1/sites", adminToken, "{\"id\":\"default\",\"name\":\"D\"}");
    assertThat(duplicate.status()).isEqualTo(409);

    Reply notFound = http.get("/v1/nothing-here", adminToken);
    assertThat(notFound.status()).isEqualTo(404);
    assertThat(notFound.errorCode()).isEqualTo("not_found");

    Reply wrongType = http.post("/v1/sites", adminToken, "application/xml", "<site name=\"x\"/>");
    assertThat(wrongType.status()).isEqualTo(415);
    assertThat(wrongType.errorCode()).isEqualTo("unsupported_media_type");
  }

  @Test
  void exposesPrometheusMetricsForJvmHttpAndPools() {
    http.get("/health");
    Reply metrics = http.get("/metrics");
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("jvm_memory_used_bytes")
        .contains(
            "http_server_requests_seconds_count{method=\"GET\",route=\"/health\",status=\"200\"}")
        .contains("hikaricp_connections");
  }
}
