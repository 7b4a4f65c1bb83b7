package dev.vigil.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** CIDR ranges of IPv4 and IPv6 and whether an address lies in them, at the prefix edges. */
class CidrTest {

  @ParameterizedTest(name = "{0} contains {1}: {2}")
  @CsvSource({
    // IPv4, prefix not on a byte boundary: 66.249.64.0 - 66.249.95.255
    "66.249.64.0/19,        66.249.64.0,                   true",
    "66.249.64.0/19,        66.249.95.255,                 true",
    "66.249.64.0/19,        66.249.63.255,                 false",
    "66.249.64.0/19,        66.249.96.0,                   false",
    "192.178.5.0/27,        192.178.5.31,                  true",
    "192.178.5.0/27,        192.178.5.32,                  false",
    "157.55.39.0/24,        157.55.39.255,                 true",
    "157.55.39.0/24,        157.55.40.0,                   false",
    "17.0.0.0/8,            17.255.255.255,                true",
    "17.0.0.0/8,            18.0.0.0,                      false",
    "20.191.45.212/32,      20.191.45.212,                 true",
    "20.191.45.212/32,      20.191.45.213,                 false",
    "0.0.0.0/0,             255.255.255.255,               true",
    "0.0.0.0/0,             ::1,                           false",
    "66.249.64.0/19,        ::ffff:66.249.66.1,            true",
    // IPv6
    "2001:4860:4801::/48,   2001:4860:4801::,              true",
    "2001:4860:4801::/48,   2001:4860:4801:ffff:ffff:ffff:ffff:ffff, true",
    "2001:4860:4801::/48,   2001:4860:4802::,              false",
    "2001:4860:4801::/48,   2001:4860:4800:ffff::1,        false",
    "2001:db8:8000::/33,    2001:db8:ffff::1,              true",
    "2001:db8:8000::/33,    2001:db8:7fff::1,              false",
    "2001:db8::1/128,       2001:db8::1,                   true",
    "2001:db8::1/128,       2001:db8::2,                   false",
    "::/0,                  2001:db8::1,                   true",
    "::/0,                  10.0.0.1,                      false",
    "2001:4860:4801::/48,   66.249.66.1,                   false",
    // not addresses
    "66.249.64.0/19,        googlebot.com,                 false",
    "66.249.64.0/19,        cafe,                          false",
    "66.249.64.0/19,        66.249.66.256,                 false",
    "66.249.64.0/19,        '',                            false",
  })
  void containsExactlyTheAddressesUnderItsPrefix(String cidr, String ip, boolean inside) {
    assertThat(Cidr.parse(cidr).contains(ip)).isEqualTo(inside);
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(
      strings = {
        "",
        "garbage",
        "66.249.64.0",
        "66.249.64.0/33",
        "66.249.64.0/-1",
        "66.249.64.0/x",
        "66.249.64.0/",
        "/24",
        "::/129",
        "google.com/24",
        "cafe/16",
        "66.249.64.256/24",
        "1.2.3/24",
      })
  void rejectsWhatIsNotACidrRange(String garbage) {
    assertThatIllegalArgumentException().isThrownBy(() -> Cidr.parse(garbage));
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(strings = {" 66.249.64.0/19", "66.249.64.0 / 19"})
  void toleratesSpacesAroundItsParts(String cidr) {
    assertThat(Cidr.parse(cidr).contains("66.249.70.1")).isTrue();
  }
}
