package dev.vigil.engagement;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engagement.BeaconValidator.Result;
import dev.vigil.http.Json;
import dev.vigil.tenancy.Site;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/** Batches, events and one-event checks shared by the {@link BeaconValidator} tests. */
final class BeaconFixtures {
  static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

  /** The validator holds no state but its clock, so the tests share one. */
  static final BeaconValidator VALIDATOR = new BeaconValidator(Clock.fixed(NOW, ZoneOffset.UTC));

  static final String ID_RULE = "must be 8 to 64 characters of A-Z, a-z, 0-9, _ or -";
  static final String NAME_RULE = "must contain only a-z, 0-9, _, . or -";
  static final String NOT_HTTP_URL = "must be an absolute http or https URL";
  static final Site ANY_HOST = site();

  private BeaconFixtures() {}

  static Site site(String... hosts) {
    return new Site("site-1", "Shop", "pk_shop_1234", "hash", List.of(hosts), 0);
  }

  /** A valid event of the type, stamped now, with only its required fields. */
  static ObjectNode event(String type) {
    ObjectNode event =
        Json.MAPPER
            .createObjectNode()
            .put("type", type)
            .put("ts", NOW.toEpochMilli())
            .put("url", "https://shop.example/blog/post");
    switch (type) {
      case "page_exit", "engagement" -> event.put("timeOnPageMs", 12_000);
      case "scroll" -> event.put("milestone", 50);
      case "link_click" -> event.put("targetUrl", "https://other.example/");
      case "conversion" -> event.put("goal", "signup");
      case "custom" -> event.put("name", "video.play");
      default -> {}
    }
    return event;
  }

  static ObjectNode batch(JsonNode... events) {
    ObjectNode root =
        Json.MAPPER.createObjectNode().put("site", "pk_shop_1234").put("session", "sess_1234");
    ArrayNode array = root.putArray("events");
    List.of(events).forEach(array::add);
    return root;
  }

  /** JSON written with single quotes, for readable literals. */
  static JsonNode json(String singleQuoted) {
    try {
      return Json.MAPPER.readTree(singleQuoted.replace('\'', '"'));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(singleQuoted, e);
    }
  }

  static Beacon accepted(ObjectNode event) {
    return accepted(event, ANY_HOST);
  }

  static Beacon accepted(ObjectNode event, Site site) {
    Result result = VALIDATOR.validateEvents(batch(event), site);
    assertThat(result.rejected()).isEmpty();
    return result.accepted().get(0);
  }

  static Rejection rejected(JsonNode event) {
    return rejected(event, ANY_HOST);
  }

  static Rejection rejected(JsonNode event, Site site) {
    Result result = VALIDATOR.validateEvents(batch(event), site);
    assertThat(result.accepted()).isEmpty();
    assertThat(result.rejected()).hasSize(1);
    return result.rejected().get(0);
  }

  /** Sets {@code field} to a JSON literal (null removes it) and checks the event's outcome. */
  static void assertOutcome(String type, String field, String jsonValue, String reason) {
    ObjectNode event = event(type);
    if (jsonValue == null) {
      event.remove(field);
    } else {
      event.set(field, json(jsonValue));
    }
    if (reason == null) {
      accepted(event);
    } else {
      assertThat(rejected(event)).isEqualTo(new Rejection(0, field, reason));
    }
  }
}
