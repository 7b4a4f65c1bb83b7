package dev.vigil.engagement;

import java.util.Arrays;
import java.util.Optional;

/** The beacon types of the tracker contract, with their wire names. */
public enum EventType {
  PAGE_VIEW("page_view"),
  PAGE_EXIT("page_exit"),
  ENGAGEMENT("engagement"),
  SCROLL("scroll"),
  LINK_CLICK("link_click"),
  CONVERSION("conversion"),
  CUSTOM("custom");

  private final String wire;

  EventType(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** page_exit and engagement carry a page's engagement numbers. */
  public boolean carriesEngagement() {
    return this == PAGE_EXIT || this == ENGAGEMENT;
  }

  public static Optional<EventType> fromWire(String name) {
    return Arrays.stream(values()).filter(t -> t.wire.equals(name)).findFirst();
  }
}
