package dev.vigil.engagement;

import static dev.vigil.engagement.BeaconFixtures.ANY_HOST;
import static dev.vigil.engagement.BeaconFixtures.ID_RULE;
import static dev.vigil.engagement.BeaconFixtures.NOT_HTTP_URL;
import static dev.vigil.engagement.BeaconFixtures.NOW;
import static dev.vigil.engagement.BeaconFixtures.VALIDATOR;
import static dev.vigil.engagement.BeaconFixtures.accepted;
import static dev.vigil.engagement.BeaconFixtures.assertOutcome;
import static dev.vigil.engagement.BeaconFixtures.batch;
import static dev.vigil.engagement.BeaconFixtures.event;
import static dev.vigil.engagement.BeaconFixtures.json;
import static dev.vigil.engagement.BeaconFixtures.rejected;
import static dev.vigil.engagement.BeaconFixtures.site;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engagement.BeaconValidator.Result;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Event fields every type shares, what the server derives from them, the site's hosts, and batches
 * that mix valid and invalid events. Per-type rules: {@link BeaconValidatorTypeRulesTest}.
 */
class BeaconValidatorTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "type  | '\"pageview\"'  | "
            + "must be one of page_view, page_exit, engagement, scroll, link_click, conversion, custom",
        "type  | 5                 | must be a string",
        "type  |                   | is required",
        "ts    | '\"1748779200000\"' | must be an integer",
        "ts    | 1748779200000.5   | must be an integer",
        "ts    |                   | is required",
        "url   | 42                | must be a string",
        "url   |                   | is required",
        "url   | '\"\"'            | must not be empty",
        "title | 42                | must be a string",
        "id    | '\"evt1234\"'     | " + ID_RULE,
        "id    | '\"evt 12345\"'   | " + ID_RULE,
        "id    | '\"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"' | "
            + ID_RULE,
        "id    | 12345678          | must be a string",
      })
  void rejectsMissingMalformedOrWronglyTypedCommonFields(
      String field, String jsonValue, String reason) {
    assertOutcome("page_view", field, jsonValue, reason);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "-86400000, ",
    "-86400001, must be at most 24 hours before server time",
    "300000, ",
    "300001, must be at most 5 minutes after server time",
    "-99999999999999999999999, must be at most 24 hours before server time",
    "99999999999999999999999, must be at most 5 minutes after server time",
  })
  void acceptsTimestampsFromADayBeforeToFiveMinutesAfterServerTime(String offsetMs, String reason) {
    String ts =
        offsetMs.length() > 15
            ? offsetMs
            : Long.toString(NOW.toEpochMilli() + Long.parseLong(offsetMs));
    assertOutcome("page_view", "ts", ts, reason);
  }

  @Test
  void keepsTheTimestampAsAnInstant() {
    ObjectNode event = event("page_view").put("ts", NOW.minusSeconds(90).toEpochMilli());

    assertThat(accepted(event).ts()).isEqualTo(NOW.minusSeconds(90));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "ftp://shop.example/file",
        "/blog/post",
        "shop.example/blog",
        "mailto:someone@shop.example",
        "javascript:alert(1)",
        "http://",
        "https://shop example/",
        "https:///path-only"
      })
  void rejectsUrlsThatAreNotAbsoluteHttp(String url) {
    assertThat(rejected(event("page_view").put("url", url)))
        .isEqualTo(new Rejection(0, "url", NOT_HTTP_URL));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "url, 2048, ",
    "url, 2049, must be at most 2048 characters",
    "referrer, 2048, ",
    "referrer, 2049, must be at most 2048 characters",
  })
  void acceptsUrlsUpTo2048Characters(String field, int length, String reason) {
    String prefix = "https://shop.example/";
    String url = prefix + "a".repeat(length - prefix.length());
    assertOutcome("page_view", field, "\"" + url + "\"", reason);
  }

  @Test
  void rejectsAReferrerThatIsNotHttp() {
    assertThat(rejected(event("page_view").put("referrer", "android-app://com.example.mail/")))
        .isEqualTo(new Rejection(0, "referrer", NOT_HTTP_URL));
  }

  @Test
  void treatsAnEmptyReferrerAsAbsent() {
    Beacon beacon = accepted(event("page_view").put("referrer", ""));

    assertThat(beacon.referrer()).isNull();
    assertThat(beacon.referrerHost()).isNull();
  }

  @Test
  void derivesHostPathReferrerHostAndUtmFromTheUrls() {
    String url =
        "https://WWW.Shop.Example/Blog/Caf%C3%A9?utm_source=news%20letter&utm_medium=e+mail"
            + "&utm_campaign="
            + "c".repeat(150)
            + "&utm_term=&utm_content=a%zz&utm_source=second#utm_term=hash";
    ObjectNode event =
        event("page_view")
            .put("url", url)
            .put("referrer", "https://Search.Example/?q=shoes")
            .put("title", "Café")
            .put("contentId", "post-17");

    Beacon beacon = accepted(event);

    assertThat(beacon.url()).isEqualTo(url.replace("%zz", "%25zz"));
    assertThat(beacon.host()).isEqualTo("www.shop.example");
    assertThat(beacon.path()).isEqualTo("/Blog/Caf%C3%A9");
    assertThat(beacon.referrer()).isEqualTo("https://Search.Example/?q=shoes");
    assertThat(beacon.referrerHost()).isEqualTo("search.example");
    assertThat(beacon.title()).isEqualTo("Café");
    assertThat(beacon.contentId()).isEqualTo("post-17");
    assertThat(beacon.utm())
        .isEqualTo(new Beacon.Utm("news letter", "e mail", "c".repeat(100), null, "a%zz"));
  }

  @Test
  void acceptsCharactersBrowsersLeaveRawByEscapingThem() {
    Beacon beacon =
        accepted(event("page_view").put("url", "https://shop.example/a|b?q={x}^&p=100%"));

    assertThat(beacon.url()).isEqualTo("https://shop.example/a%7Cb?q=%7Bx%7D%5E&p=100%25");
    assertThat(beacon.path()).isEqualTo("/a%7Cb");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {"https://shop.example", "https://shop.example?ref=x", "HTTP://shop.example:8080"})
  void derivesTheRootPathWhenTheUrlHasNone(String url) {
    Beacon beacon = accepted(event("page_view").put("url", url));

    assertThat(beacon.path()).isEqualTo("/");
    assertThat(beacon.utm()).isEqualTo(Beacon.Utm.NONE);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "title, 512",
    "contentId, 128",
  })
  void acceptsOptionalStringsUpToTheirMaximumLength(String field, int max) {
    assertOutcome("page_view", field, "\"" + "t".repeat(max) + "\"", null);
    assertOutcome(
        "page_view",
        field,
        "\"" + "t".repeat(max + 1) + "\"",
        "must be at most " + max + " characters");
  }

  @Test
  void keepsTheClientsEventId() {
    assertThat(accepted(event("page_view").put("id", "evt_1234")).eventId()).isEqualTo("evt_1234");
    String longest = "E".repeat(64);
    assertThat(accepted(event("page_view").put("id", longest)).eventId()).isEqualTo(longest);
  }

  @Test
  void generatesADistinctUuidWhenTheClientSendsNoEventId() {
    Result result =
        VALIDATOR.validateEvents(
            batch(event("page_view"), event("page_view").put("id", "")), ANY_HOST);

    List<String> ids = result.accepted().stream().map(Beacon::eventId).toList();
    assertThat(ids).hasSize(2).doesNotHaveDuplicates();
    ids.forEach(id -> assertThat(UUID.fromString(id).toString()).isEqualTo(id));
  }

  @Test
  void ignoresUnknownEventFields() {
    ObjectNode event = event("page_view").put("colour", "red");
    event.set("extra", json("{'nested':[1,2,{'deep':true}]}"));

    Beacon beacon = accepted(event);

    assertThat(beacon.type()).isEqualTo(EventType.PAGE_VIEW);
    assertThat(beacon.data()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"1", "'page_view'", "null", "[]"})
  void rejectsAnEventThatIsNotAnObject(String event) {
    assertThat(rejected(json(event))).isEqualTo(new Rejection(0, "event", "must be an object"));
  }

  // ---- site hosts
  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "https://shop.example/",
        "https://www.shop.example/",
        "https://a.b.shop.example/",
        "http://SHOP.EXAMPLE:8080/x"
      })
  void acceptsTheSiteHostAndItsSubdomains(String url) {
    accepted(event("page_view").put("url", url), site("Shop.Example", "blog.example"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "https://evil.example/, evil.example",
    "https://notshop.example/, notshop.example",
    "https://shop.example.evil.com/, shop.example.evil.com",
    "https://example/, example",
  })
  void rejectsAHostThatIsNotTheSites(String url, String host) {
    assertThat(rejected(event("page_view").put("url", url), site("shop.example")))
        .isEqualTo(new Rejection(0, "url", "host " + host + " is not one of the site's hosts"));
  }

  @Test
  void acceptsAnyHostWhenTheSiteListsNone() {
    assertThat(accepted(event("page_view").put("url", "https://anything.test/"), site()).host())
        .isEqualTo("anything.test");
  }

  // ---- batches
  @Test
  void keepsValidEventsInOrderAndRejectsTheOthersByIndex() {
    JsonNode[] events = {
      event("page_view"),
      event("page_view").put("ts", NOW.minus(Duration.ofDays(2)).toEpochMilli()),
      event("scroll").put("milestone", 90),
      json("42"),
      event("pageview"),
      event("custom").put("id", "evt_custom_1"),
      event("page_exit").put("maxScrollDepth", 101),
    };

    Result result = VALIDATOR.validateEvents(batch(events), site("shop.example"));

    assertThat(result.accepted())
        .extracting(Beacon::type)
        .containsExactly(EventType.PAGE_VIEW, EventType.SCROLL, EventType.CUSTOM);
    assertThat(result.accepted().get(2).eventId()).isEqualTo("evt_custom_1");
    assertThat(result.rejected())
        .extracting(Rejection::index, Rejection::field)
        .containsExactly(
            tuple(1, "ts"), tuple(3, "event"), tuple(4, "type"), tuple(6, "maxScrollDepth"));
  }

  @Test
  void reportsOneRejectionPerEventForItsFirstProblem() {
    ObjectNode event = event("nope").put("ts", 0).put("url", "ftp://x");

    Result result = VALIDATOR.validateEvents(batch(event), ANY_HOST);

    assertThat(result.rejected()).singleElement().extracting(Rejection::field).isEqualTo("type");
  }

  @Test
  void resultListsCannotBeModified() {
    Result result = VALIDATOR.validateEvents(batch(event("page_view")), ANY_HOST);

    assertThatThrownBy(() -> result.accepted().clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
