package dev.vigil;

/**
 * Marker for every message, event and snapshot that leaves the JVM (cluster messages, journal,
 * snapshots). Bound to Jackson CBOR in {@code conf/pekko.conf}.
 */
public interface CborSerializable {}
