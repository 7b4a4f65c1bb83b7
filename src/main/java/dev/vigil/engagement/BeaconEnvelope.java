package dev.vigil.engagement;

/**
 * The envelope of a {@code POST /v1/collect} batch: the site's public key, the session id (the
 * {@code vigil_sid} cookie's value), and the optional visitor and user ids. Ids are 8..64
 * characters of {@code [A-Za-z0-9_-]}.
 */
public record BeaconEnvelope(String siteKey, String sessionId, String visitorId, String userId) {}
