package dev.vigil.detection;

import dev.vigil.CborSerializable;

/** A signal that fired, with the points it adds to the score. */
public record FiredSignal(Signal signal, int points) implements CborSerializable {}
