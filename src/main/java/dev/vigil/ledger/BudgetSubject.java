package dev.vigil.ledger;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Whose spend a budget limits: a whole site, or one agent or one user of a site. The entity id is
 * {@code site:kind:id} with the id URL-encoded (persistence ids reserve '|'); the anomaly subject
 * id is the site id for a site and {@code site/id} otherwise, because anomaly subjects are unique
 * across sites.
 */
public record BudgetSubject(String siteId, String kind, String id) {
  public static final Set<String> KINDS = Set.of("site", "agent", "user");

  public BudgetSubject {
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException("subject kind must be one of site, agent, user");
    }
    if (kind.equals("site")) {
      id = siteId;
    }
  }

  public static BudgetSubject site(String siteId) {
    return new BudgetSubject(siteId, "site", siteId);
  }

  public String entityId() {
    return siteId + ":" + kind + ":" + URLEncoder.encode(id, StandardCharsets.UTF_8);
  }

  public static BudgetSubject ofEntityId(String entityId) {
    String[] parts = entityId.split(":", 3);
    if (parts.length != 3) {
      throw new IllegalArgumentException("not a budget entity id: " + entityId);
    }
    return new BudgetSubject(
        parts[0], parts[1], URLDecoder.decode(parts[2], StandardCharsets.UTF_8));
  }

  public String anomalySubjectId() {
    return kind.equals("site") ? siteId : siteId + "/" + id;
  }
}
