package dev.vigil.engagement;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.http.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The row's JSON column holds what its columns do not: an engagement snapshot's other counts and
 * times when they carry something, then the event's own data, which wins a clash.
 */
class EngagementTableJsonTest {
  private static final Engagement ENGAGEMENT =
      new Engagement(5000, 4000, 1000, 3500, 120, null, 80, 3, 2, 1, 0, 4, 7, 1, 0, 2, 900L);

  /** The snapshot's fields that have a column of their own in {@code engagement_events}. */
  private static final List<String> IN_COLUMNS =
      List.of(
          "timeOnPageMs",
          "visibleMs",
          "focusMs",
          "maxScrollDepth",
          "clicks",
          "rageClicks",
          "deadClicks",
          "readingPattern");

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

  private static JsonNode stored(Engagement e, Map<String, Object> data) throws Exception {
    return Json.MAPPER.readTree(EngagementTable.json(beacon(EventType.ENGAGEMENT, e, data), e));
  }

  /**
   * The snapshot read back from the row: the columns' values and the JSON's, an absent key read the
   * way the validator reads an absent field (a count 0, a time not reached).
   */
  private static Engagement readBack(Engagement columns, JsonNode json) {
    return new Engagement(
        columns.timeOnPageMs(),
        columns.visibleMs(),
        json.path("hiddenMs").asInt(0),
        columns.focusMs(),
        json.has("firstInteractionMs") ? json.get("firstInteractionMs").asInt() : null,
        json.has("firstScrollMs") ? json.get("firstScrollMs").asInt() : null,
        columns.maxScrollDepth(),
        json.path("scrollVelocity").asInt(0),
        columns.clicks(),
        columns.rageClicks(),
        columns.deadClicks(),
        json.path("scrollDirectionChanges").asInt(0),
        json.path("keyPresses").asInt(0),
        json.path("copies").asInt(0),
        json.path("tabSwitches").asInt(0),
        json.path("blurs").asInt(0),
        json.path("mouseDistance").asLong(0));
  }

  private static List<String> fieldNames(JsonNode json) {
    List<String> names = new ArrayList<>();
    json.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void theColumnsAndTheJsonTogetherGiveBackTheWholeSnapshot() throws Exception {
    Engagement zeros = new Engagement(3000, 0, 0, 0, null, null, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0L);
    Engagement large =
        new Engagement(
            86_400_000,
            1,
            86_400_000,
            2,
            0,
            86_400_000,
            100,
            100_000,
            100_000,
            3,
            4,
            100_000,
            5,
            6,
            7,
            8,
            100_000_000L);
    for (Engagement e : List.of(ENGAGEMENT, zeros, large)) {
      JsonNode json = stored(e, Map.of());
      assertThat(readBack(e, json)).as("read back %s from %s", e, json).isEqualTo(e);
      assertThat(fieldNames(json)).as("%s", json).doesNotContainAnyElementsOf(IN_COLUMNS);
    }
  }

  @Test
  void countsThatAreZeroAndTimesNeverReachedAreLeftOut() throws Exception {
    JsonNode json = stored(ENGAGEMENT, Map.of());
    // ENGAGEMENT: hidden 1000, first interaction 120, no first scroll, velocity 3, direction
    // changes 4, keys 7, copies 1, no tab switches, blurs 2, mouse 900
    assertThat(fieldNames(json))
        .containsExactly(
            "hiddenMs",
            "firstInteractionMs",
            "scrollVelocity",
            "scrollDirectionChanges",
            "keyPresses",
            "copies",
            "blurs",
            "mouseDistance");
    Engagement zeros = new Engagement(3000, 0, 0, 0, null, null, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0L);
    assertThat(EngagementTable.json(beacon(EventType.ENGAGEMENT, zeros, Map.of()), zeros))
        .isEqualTo("{}");
    // a first interaction at 0 ms was reached: kept
    Engagement atOnce = new Engagement(3000, 0, 0, 0, 0, null, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0L);
    assertThat(stored(atOnce, Map.of()).get("firstInteractionMs").asInt()).isZero();
  }

  @Test
  void theEventsOwnDataFollowsAndWinsAClash() throws Exception {
    Map<String, Object> data = Map.of("viewportWidth", 1280, "keyPresses", 99, "label", "a\"b");
    String text = EngagementTable.json(beacon(EventType.ENGAGEMENT, ENGAGEMENT, data), ENGAGEMENT);
    JsonNode parsed = Json.MAPPER.readTree(text);
    // Jackson's tree keeps the last of duplicate keys, as jsonb does
    assertThat(parsed.get("keyPresses").asInt()).isEqualTo(99);
    assertThat(parsed.get("viewportWidth").asInt()).isEqualTo(1280);
    assertThat(parsed.get("label").asText()).isEqualTo("a\"b");
    assertThat(parsed.get("mouseDistance").asLong()).isEqualTo(900L);
  }

  @Test
  void anEventWithoutEngagementIsItsDataAlone() throws Exception {
    Map<String, Object> data =
        Map.of("viewportWidth", 1280, "props", Map.of("plan", "pro"), "external", true);
    String json = EngagementTable.json(beacon(EventType.PAGE_VIEW, null, data), null);
    assertThat(Json.MAPPER.readTree(json))
        .isEqualTo(Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(data)));
    assertThat(EngagementTable.json(beacon(EventType.PAGE_VIEW, null, Map.of()), null))
        .isEqualTo("{}");
    assertThat(EngagementTable.json(beacon(EventType.PAGE_VIEW, null, null), null)).isEqualTo("{}");
  }
}
