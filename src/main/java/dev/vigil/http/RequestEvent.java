package dev.vigil.http;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A flight-recorder event for one HTTP request, from the moment the routes see it until its
 * response is made (before it is rendered and written): what the routes, authentication, parsing
 * and the handlers took, without the connection's reading and writing around them. Off unless a
 * recording asks for it ({@code +vigil.HttpRequest#enabled=true}; {@code loadtest/run-bench.sh}
 * with {@code DECIDE_STAGES=1}).
 */
@Name("vigil.HttpRequest")
@Label("HTTP request")
@Category("Vigil")
@Description("One request from the routes' first look at it until its response is made")
@Enabled(false)
@StackTrace(false)
final class RequestEvent extends Event {
  private static final EventType TYPE = EventType.getEventType(RequestEvent.class);

  /** A started event, or null (nothing allocated) while no recording asks for it. */
  static RequestEvent started() {
    if (!TYPE.isEnabled()) {
      return null;
    }
    RequestEvent e = new RequestEvent();
    e.begin();
    return e;
  }

  @Label("Method")
  String method;

  @Label("Route")
  String route;

  @Label("Status")
  int status;
}
