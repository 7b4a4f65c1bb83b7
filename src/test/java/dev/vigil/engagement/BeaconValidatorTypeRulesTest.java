package dev.vigil.engagement;

import static dev.vigil.engagement.BeaconFixtures.NAME_RULE;
import static dev.vigil.engagement.BeaconFixtures.NOT_HTTP_URL;
import static dev.vigil.engagement.BeaconFixtures.NOW;
import static dev.vigil.engagement.BeaconFixtures.accepted;
import static dev.vigil.engagement.BeaconFixtures.assertOutcome;
import static dev.vigil.engagement.BeaconFixtures.event;
import static dev.vigil.engagement.BeaconFixtures.json;
import static dev.vigil.engagement.BeaconFixtures.rejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.http.Json;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The fields of each event type, each at its boundaries, and what each type keeps in data. */
class BeaconValidatorTypeRulesTest {
  static Stream<Arguments> range(String type, String field, long min, long max) {
    String reason = "must be between " + min + " and " + max;
    return Stream.of(
        arguments(type, field, min, null),
        arguments(type, field, max, null),
        arguments(type, field, min - 1, reason),
        arguments(type, field, max + 1, reason));
  }

  static Stream<Arguments> numericRanges() {
    Stream<Stream<Arguments>> ranges =
        Stream.of(
            range("page_view", "viewportWidth", 1, 20_000),
            range("page_view", "viewportHeight", 1, 20_000),
            range("page_view", "screenWidth", 1, 20_000),
            range("page_view", "screenHeight", 1, 20_000),
            range("page_exit", "timeOnPageMs", 0, 86_400_000),
            range("engagement", "timeOnPageMs", 0, 86_400_000),
            range("page_exit", "visibleMs", 0, 86_400_000),
            range("page_exit", "hiddenMs", 0, 86_400_000),
            range("page_exit", "focusMs", 0, 86_400_000),
            range("page_exit", "firstInteractionMs", 0, 86_400_000),
            range("engagement", "firstScrollMs", 0, 86_400_000),
            range("page_exit", "maxScrollDepth", 0, 100),
            range("page_exit", "scrollVelocity", 0, 100_000),
            range("page_exit", "clicks", 0, 100_000),
            range("page_exit", "rageClicks", 0, 100_000),
            range("page_exit", "deadClicks", 0, 100_000),
            range("page_exit", "scrollDirectionChanges", 0, 100_000),
            range("page_exit", "keyPresses", 0, 100_000),
            range("page_exit", "copies", 0, 100_000),
            range("page_exit", "tabSwitches", 0, 100_000),
            range("engagement", "blurs", 0, 100_000),
            range("page_exit", "mouseDistance", 0, 100_000_000),
            range("scroll", "velocity", 0, 100_000),
            range("conversion", "value", 0, 1_000_000_000));
    return ranges.flatMap(s -> s);
  }

  @ParameterizedTest(name = "{0}.{1} = {2}")
  @MethodSource("numericRanges")
  void numberAtItsBoundsIsAcceptedAndOneBeyondIsRejected(
      String type, String field, long value, String reason) {
    assertOutcome(type, field, Long.toString(value), reason);
  }

  @ParameterizedTest(name = "{0}.{1} = {2}")
  @CsvSource({
    "page_exit, timeOnPageMs, 12.5",
    "page_exit, timeOnPageMs, 12.0",
    "page_exit, clicks, '\"12\"'",
    "page_exit, maxScrollDepth, true",
    "page_view, viewportWidth, 1e3",
    "scroll, milestone, '\"50\"'",
    "conversion, value, 9.99",
  })
  void numberThatIsNotAJsonIntegerIsRejected(String type, String field, String jsonValue) {
    assertOutcome(type, field, jsonValue, "must be an integer");
  }

  @Test
  void hugeIntegerIsOutOfRangeRatherThanWrapping() {
    assertOutcome(
        "page_exit", "mouseDistance", "18446744073709551617", "must be between 0 and 100000000");
  }

  @ParameterizedTest(name = "{0}.{1}")
  @CsvSource({
    "page_exit, timeOnPageMs",
    "engagement, timeOnPageMs",
    "scroll, milestone",
    "link_click, targetUrl",
    "conversion, goal",
    "custom, name",
  })
  void requiredTypeFieldIsRejectedWhenAbsentOrNull(String type, String field) {
    assertOutcome(type, field, null, "is required");
    assertOutcome(type, field, "null", "is required");
  }

  @ParameterizedTest(name = "{0}.{1} ≤ {2}")
  @CsvSource({
    "page_view, language, 35",
    "page_view, timezone, 64",
    "link_click, text, 100",
    "conversion, goal, 64",
    "conversion, funnelStep, 64",
    "custom, name, 64",
  })
  void stringAtItsMaximumLengthIsAcceptedAndOneLongerIsRejected(
      String type, String field, int max) {
    assertOutcome(type, field, "\"" + "x".repeat(max) + "\"", null);
    assertOutcome(
        type, field, "\"" + "x".repeat(max + 1) + "\"", "must be at most " + max + " characters");
  }

  @ParameterizedTest(name = "{0}.{1} = {2}")
  @CsvSource({
    "page_view, language, 35",
    "scroll, direction, 1",
    "link_click, text, false",
    "conversion, funnelStep, 2",
  })
  void stringGivenAsAnotherJsonTypeIsRejected(String type, String field, String jsonValue) {
    assertOutcome(type, field, jsonValue, "must be a string");
  }

  @Test
  void pageViewKeepsItsPresentFieldsInData() {
    ObjectNode event =
        event("page_view")
            .put("viewportWidth", 1280)
            .put("viewportHeight", 720)
            .put("screenWidth", 1920)
            .put("language", "en-GB")
            .put("timezone", "Europe/London");
    event.putNull("screenHeight");

    assertThat(accepted(event).data())
        .isEqualTo(
            Map.of(
                "viewportWidth", 1280,
                "viewportHeight", 720,
                "screenWidth", 1920,
                "language", "en-GB",
                "timezone", "Europe/London"));
  }

  @Test
  void engagementReadsEveryNumberAndDerivesTheReadingPattern() {
    ObjectNode event =
        (ObjectNode)
            json(
                "{'type':'page_exit','ts':"
                    + NOW.toEpochMilli()
                    + ",'url':'https://shop.example/a','timeOnPageMs':45000,'visibleMs':40000,"
                    + "'hiddenMs':5000,'focusMs':39000,'firstInteractionMs':1200,"
                    + "'firstScrollMs':2500,'maxScrollDepth':90,'scrollVelocity':340,'clicks':7,"
                    + "'rageClicks':1,'deadClicks':2,'scrollDirectionChanges':4,'keyPresses':12,"
                    + "'copies':1,'tabSwitches':3,'blurs':2,'mouseDistance':99999999}");

    Beacon beacon = accepted(event);

    assertThat(beacon.engagement())
        .isEqualTo(
            new Engagement(
                45_000,
                40_000,
                5_000,
                39_000,
                1_200,
                2_500,
                90,
                340,
                7,
                1,
                2,
                4,
                12,
                1,
                3,
                2,
                99_999_999L));
    // derived on the server, and stored in its own column: not repeated in the data
    assertThat(beacon.engagement().readingPattern().wire()).isEqualTo("engaged");
    assertThat(beacon.data()).isEmpty();
  }

  @Test
  void engagementDefaultsAbsentNumbersToZeroAndAbsentFirstTimesToNull() {
    ObjectNode event = event("engagement").put("timeOnPageMs", 3_000);
    event.putNull("firstInteractionMs");

    Beacon beacon = accepted(event);

    assertThat(beacon.engagement())
        .isEqualTo(new Engagement(3_000, 0, 0, 0, null, null, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0L));
    assertThat(beacon.engagement().readingPattern().wire()).isEqualTo("bounce");
    assertThat(beacon.data()).isEmpty();
  }

  @Test
  void engagementReportsOnlyTheFirstBadNumber() {
    ObjectNode event = event("page_exit").put("timeOnPageMs", -1).put("clicks", -1);

    assertThat(rejected(event))
        .isEqualTo(new Rejection(0, "timeOnPageMs", "must be between 0 and 86400000"));
  }

  @ParameterizedTest(name = "milestone {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "25 |",
        "50 |",
        "75 |",
        "90 |",
        "100 |",
        "0   | must be one of 25, 50, 75, 90, 100",
        "24  | must be one of 25, 50, 75, 90, 100",
        "26  | must be one of 25, 50, 75, 90, 100",
        "101 | must be one of 25, 50, 75, 90, 100",
      })
  void scrollMilestoneIsOneOfTheFiveMarks(String milestone, String reason) {
    assertOutcome("scroll", "milestone", milestone, reason);
  }

  @ParameterizedTest(name = "direction {0}")
  @CsvSource({
    "up, ",
    "down, ",
    "left, must be \"up\" or \"down\"",
    "UP, must be \"up\" or \"down\""
  })
  void scrollDirectionIsUpOrDown(String direction, String reason) {
    assertOutcome("scroll", "direction", "\"" + direction + "\"", reason);
  }

  @Test
  void scrollKeepsMilestoneDirectionAndVelocityInData() {
    ObjectNode event =
        event("scroll").put("milestone", 75).put("direction", "down").put("velocity", 820);

    assertThat(accepted(event).data())
        .isEqualTo(Map.of("milestone", 75, "direction", "down", "velocity", 820));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/pricing", "mailto:sales@shop.example", "tel:+441234"})
  void linkClickRejectsATargetThatIsNotAnAbsoluteHttpUrl(String target) {
    assertOutcome("link_click", "targetUrl", "\"" + target + "\"", NOT_HTTP_URL);
  }

  @Test
  void linkClickRejectsANonBooleanExternalFlag() {
    assertOutcome("link_click", "external", "\"yes\"", "must be a boolean");
  }

  @Test
  void linkClickKeepsTargetTextAndExternalInData() {
    ObjectNode event =
        event("link_click")
            .put("targetUrl", "https://partner.example/deal")
            .put("text", "See the deal")
            .put("external", true);

    assertThat(accepted(event).data())
        .isEqualTo(
            Map.of(
                "targetUrl", "https://partner.example/deal",
                "text", "See the deal",
                "external", true));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"Signup", "sign up", "sign/up", "signup!"})
  void conversionGoalAndCustomNameAllowOnlyLowerCaseNameCharacters(String name) {
    assertOutcome("conversion", "goal", "\"" + name + "\"", NAME_RULE);
    assertOutcome("custom", "name", "\"" + name + "\"", NAME_RULE);
  }

  @Test
  void conversionCarriesGoalValueAndFunnelStep() {
    ObjectNode event =
        event("conversion")
            .put("goal", "checkout.paid_v2-eu")
            .put("value", 4_999)
            .put("funnelStep", "pay");

    Beacon beacon = accepted(event);

    assertThat(beacon.goal()).isEqualTo("checkout.paid_v2-eu");
    assertThat(beacon.value()).isEqualTo(4_999L);
    assertThat(beacon.data()).isEqualTo(Map.of("funnelStep", "pay"));
  }

  @Test
  void conversionWithoutValueHasNullValue() {
    assertThat(accepted(event("conversion")).value()).isNull();
  }

  @Test
  void customCarriesNameAndPropsInOrder() {
    ObjectNode event = event("custom");
    event.set("props", json("{'plan':'pro','colour':'red','empty':''}"));

    Beacon beacon = accepted(event);

    assertThat(beacon.name()).isEqualTo("video.play");
    assertThat(beacon.data()).containsOnlyKeys("props");
    @SuppressWarnings("unchecked")
    Map<String, String> props = (Map<String, String>) beacon.data().get("props");
    assertThat(props)
        .containsExactly(
            Map.entry("plan", "pro"), Map.entry("colour", "red"), Map.entry("empty", ""));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "'x'                 | props       | must be an object",
        "[]                  | props       | must be an object",
        "{'color':{'a':'b'}} | props.color | must be a string",
        "{'color':['red']}   | props.color | must be a string",
        "{'color':5}         | props.color | must be a string",
        "{'color':null}      | props.color | must be a string",
        "{'':'x'}            | props       | keys must be 1 to 64 characters",
      })
  void customPropsMustBeAFlatObjectOfStrings(String props, String field, String reason) {
    ObjectNode event = event("custom");
    event.set("props", json(props));

    assertThat(rejected(event)).isEqualTo(new Rejection(0, field, reason));
  }

  @ParameterizedTest(name = "{0} keys")
  @CsvSource({"20, ", "21, must have at most 20 keys"})
  void customPropsHoldAtMostTwentyKeys(int keys, String reason) {
    ObjectNode props = Json.MAPPER.createObjectNode();
    IntStream.range(0, keys).forEach(i -> props.put("k" + i, "v"));
    ObjectNode event = event("custom");
    event.set("props", props);

    if (reason == null) {
      accepted(event);
    } else {
      assertThat(rejected(event)).isEqualTo(new Rejection(0, "props", reason));
    }
  }

  @Test
  void customPropKeysAndValuesHaveMaximumLengths() {
    ObjectNode longest = event("custom");
    longest.putObject("props").put("k".repeat(64), "v".repeat(256));
    accepted(longest);

    ObjectNode longKey = event("custom");
    longKey.putObject("props").put("k".repeat(65), "v");
    assertThat(rejected(longKey))
        .isEqualTo(new Rejection(0, "props", "keys must be 1 to 64 characters"));

    ObjectNode longValue = event("custom");
    longValue.putObject("props").put("color", "v".repeat(257));
    assertThat(rejected(longValue))
        .isEqualTo(new Rejection(0, "props.color", "must be at most 256 characters"));
  }
}
