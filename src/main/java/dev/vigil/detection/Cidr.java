package dev.vigil.detection;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** An IPv4 or IPv6 network in CIDR notation, and whether an address literal lies in it. */
public record Cidr(byte[] network, int prefix) {

  private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
  private static final Pattern IPV4 = Pattern.compile("(" + OCTET + "\\.){3}" + OCTET);
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

  public static Cidr parse(String cidr) {
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("not a CIDR range: " + cidr);
    }
    byte[] address = literal(cidr.substring(0, slash).trim());
    int prefix = Integer.parseInt(cidr.substring(slash + 1).trim());
    if (address == null || prefix < 0 || prefix > address.length * 8) {
      throw new IllegalArgumentException("not a CIDR range: " + cidr);
    }
    return new Cidr(address, prefix);
  }

  public boolean contains(String ip) {
    byte[] a = literal(ip);
    if (a == null || a.length != network.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (a[full] & mask) == (network[full] & mask);
  }

  /**
   * The bytes of an address literal; null for anything else (no name is ever resolved). {@link
   * InetAddress#getByName} looks up in DNS whatever it does not parse as a literal, and text such
   * as "cafe" or "1.2.3.256" is hex digits and dots but not a literal: only a dotted-quad IPv4 or a
   * text with a colon (which getByName parses as IPv6 or rejects, never looks up) reaches it.
   */
  static byte[] literal(String ip) {
    if (ip == null) {
      return null;
    }
    String s = ip.trim();
    if (!IPV4.matcher(s).matches() && !IPV6.matcher(s).matches()) {
      return null;
    }
    try {
      return InetAddress.getByName(s).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
