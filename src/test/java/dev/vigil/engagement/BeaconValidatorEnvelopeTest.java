package dev.vigil.engagement;

import static dev.vigil.engagement.BeaconFixtures.ANY_HOST;
import static dev.vigil.engagement.BeaconFixtures.ID_RULE;
import static dev.vigil.engagement.BeaconFixtures.VALIDATOR;
import static dev.vigil.engagement.BeaconFixtures.batch;
import static dev.vigil.engagement.BeaconFixtures.event;
import static dev.vigil.engagement.BeaconFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The envelope of a {@code POST /v1/collect} batch: every problem is a 400 naming its field. */
class BeaconValidatorEnvelopeTest {
  static Stream<Arguments> malformedEnvelopes() {
    String events = ",'events':[{}]";
    return Stream.of(
        arguments("[]", "body", "must be a JSON object"),
        arguments("'batch'", "body", "must be a JSON object"),
        arguments("{'session':'sess_1234'" + events + "}", "site", "is required"),
        arguments("{'site':42,'session':'sess_1234'" + events + "}", "site", "must be a string"),
        arguments("{'site':'','session':'sess_1234'" + events + "}", "site", "must not be empty"),
        arguments(
            "{'site':'" + "k".repeat(129) + "','session':'sess_1234'" + events + "}",
            "site",
            "must be at most 128 characters"),
        arguments("{'site':'pk'" + events + "}", "session", "is required"),
        arguments("{'site':'pk','session':null" + events + "}", "session", "is required"),
        arguments("{'site':'pk','session':12345678" + events + "}", "session", "must be a string"),
        arguments("{'site':'pk','session':'sess123'" + events + "}", "session", ID_RULE),
        arguments(
            "{'site':'pk','session':'" + "s".repeat(65) + "'" + events + "}", "session", ID_RULE),
        arguments("{'site':'pk','session':'sess 1234'" + events + "}", "session", ID_RULE),
        arguments(
            "{'site':'pk','session':'sess_1234','visitor':'visitor!'" + events + "}",
            "visitor",
            ID_RULE),
        arguments(
            "{'site':'pk','session':'sess_1234','visitor':12345678" + events + "}",
            "visitor",
            "must be a string"),
        arguments("{'site':'pk','session':'sess_1234','user':'u1'" + events + "}", "user", ID_RULE),
        arguments("{'site':'pk','session':'sess_1234'}", "events", "is required"),
        arguments("{'site':'pk','session':'sess_1234','events':{}}", "events", "must be an array"),
        arguments(
            "{'site':'pk','session':'sess_1234','events':[]}",
            "events",
            "must contain at least 1 event"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("malformedEnvelopes")
  void rejectsTheBatchNamingTheEnvelopeField(String body, String field, String message) {
    assertThatThrownBy(() -> VALIDATOR.parseEnvelope(json(body)))
        .isInstanceOfSatisfying(
            EnvelopeException.class, e -> assertThat(e.field()).isEqualTo(field))
        .hasMessage(message);
  }

  @Test
  void rejectsMoreThanOneHundredEvents() {
    ObjectNode root =
        batch(IntStream.range(0, 101).mapToObj(i -> event("page_view")).toArray(JsonNode[]::new));

    assertThatThrownBy(() -> VALIDATOR.parseEnvelope(root))
        .isInstanceOfSatisfying(
            EnvelopeException.class, e -> assertThat(e.field()).isEqualTo("events"))
        .hasMessage("at most 100 events per batch");
    assertThatThrownBy(() -> VALIDATOR.validateEvents(root, ANY_HOST))
        .isInstanceOf(EnvelopeException.class)
        .hasMessage("at most 100 events per batch");
  }

  @Test
  void acceptsOneHundredEvents() {
    ObjectNode root =
        batch(IntStream.range(0, 100).mapToObj(i -> event("page_view")).toArray(JsonNode[]::new));

    VALIDATOR.parseEnvelope(root);
    assertThat(VALIDATOR.validateEvents(root, ANY_HOST).accepted()).hasSize(100);
  }

  @Test
  void readsAllIdsAndIgnoresUnknownKeys() {
    BeaconEnvelope envelope =
        VALIDATOR.parseEnvelope(
            json(
                "{'site':'pk_shop_1234','session':'"
                    + "s".repeat(64)
                    + "','visitor':'vis-A_09','user':'user_42x','v':2,'events':[{}]}"));

    assertThat(envelope)
        .isEqualTo(new BeaconEnvelope("pk_shop_1234", "s".repeat(64), "vis-A_09", "user_42x"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ",'visitor':null,'user':null", ",'visitor':'','user':''"})
  void treatsAbsentNullOrEmptyVisitorAndUserAsNone(String ids) {
    BeaconEnvelope envelope =
        VALIDATOR.parseEnvelope(json("{'site':'pk','session':'sess1234'" + ids + ",'events':[1]}"));

    assertThat(envelope).isEqualTo(new BeaconEnvelope("pk", "sess1234", null, null));
  }
}
