package dev.vigil.engagement;

/**
 * Why one event of a batch was not accepted: its index in {@code events}, the field at fault (a
 * dotted path such as {@code props.color}, or {@code type}), and a reason a developer can act on.
 */
public record Rejection(int index, String field, String reason) {}
