package dev.vigil.engagement;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.http.Json;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The row's JSON column: engagement fields and the event's data, data winning on a clash. */
class EngagementTableJsonTest {
  private static final Engagement ENGAGEMENT =
      new Engagement(5000, 4000, 1000, 3500, 120, null, 80, 3, 2, 1, 0, 4, 7, 1, 0, 2, 900L);

  private static Beacon beacon(EventType type, Engagement e, Map<String, Object> data) {
    return new Beacon(
        "e-1",
        type,
        Instant.parse("2026-11-23T04:00:00Z"),
        "https://shop.example/p/1",
        "shop.example",
        "/p/1",
        null,
        null,
        "Item",
        null,
        Beacon.Utm.NONE,
        e,
        null,
        null,
        null,
        data);
  }

  /** What the column held before: the two values merged as trees (as text, then read back). */
  private static JsonNode treeMerge(Engagement e, Map<String, Object> data) throws Exception {
    ObjectNode node = Json.MAPPER.valueToTree(e);
    node.setAll((ObjectNode) Json.MAPPER.valueToTree(data));
    return Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(node));
  }

  @Test
  void engagementAndDataAreOneObjectAndTheDataWinsAClash() throws Exception {
    Map<String, Object> data = Map.of("viewportWidth", 1280, "clicks", 99, "label", "a\"b");
    String json = EngagementTable.json(beacon(EventType.ENGAGEMENT, ENGAGEMENT, data), ENGAGEMENT);
    JsonNode parsed = Json.MAPPER.readTree(json);
    assertThat(parsed).isEqualTo(treeMerge(ENGAGEMENT, data));
    assertThat(parsed.get("clicks").asInt()).isEqualTo(99);
    assertThat(parsed.get("timeOnPageMs").asInt()).isEqualTo(5000);
    assertThat(parsed.get("label").asText()).isEqualTo("a\"b");
  }

  @Test
  void engagementWithoutDataIsTheEngagementAlone() throws Exception {
    String json =
        EngagementTable.json(beacon(EventType.ENGAGEMENT, ENGAGEMENT, Map.of()), ENGAGEMENT);
    assertThat(Json.MAPPER.readTree(json)).isEqualTo(treeMerge(ENGAGEMENT, Map.of()));
  }

  @Test
  void anEventWithoutEngagementIsItsDataAlone() throws Exception {
    Map<String, Object> data = Map.of("viewportWidth", 1280);
    String json = EngagementTable.json(beacon(EventType.PAGE_VIEW, null, data), null);
    assertThat(Json.MAPPER.readTree(json))
        .isEqualTo(Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(data)));
    assertThat(EngagementTable.json(beacon(EventType.PAGE_VIEW, null, Map.of()), null))
        .isEqualTo("{}");
  }
}
