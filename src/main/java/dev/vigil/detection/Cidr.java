package dev.vigil.detection;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 network in CIDR notation, and whether an address literal lies in it. */
public record Cidr(byte[] network, int prefix) {

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

  /** The bytes of an address literal; null for anything else (no name is ever resolved). */
  static byte[] literal(String ip) {
    if (ip == null || ip.isBlank() || !ip.trim().matches("[0-9a-fA-F:.]+")) {
      return null;
    }
    try {
      return InetAddress.getByName(ip.trim()).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
