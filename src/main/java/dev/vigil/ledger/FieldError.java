package dev.vigil.ledger;

/** One refused field of one row of a request body: the row's index, the field, and why. */
public record FieldError(int index, String field, String reason) {}
