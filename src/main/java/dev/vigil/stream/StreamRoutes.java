package dev.vigil.stream;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onComplete;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;

import dev.vigil.http.ApiError;
import dev.vigil.http.Auth;
import dev.vigil.tenancy.Principal;
import dev.vigil.tenancy.TenantDirectory;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * {@code GET /v1/stream}: Server-Sent Events for an API token, optionally narrowed with {@code
 * site=a,b} and {@code kinds=session,throttle,anomaly,stats,ledger}. A reconnect sends {@code
 * Last-Event-ID} (or {@code lastEventId=} for clients that cannot set headers) and resumes.
 */
public final class StreamRoutes {
  /** The kinds of site events a stream can be narrowed to. */
  public static final Set<String> KINDS =
      Set.of("session", "throttle", "anomaly", "stats", "ledger");

  private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(5);
  private static final long RETRY_MILLIS = 3000;

  private final ActorSystem<?> system;
  private final Auth auth;
  private final TenantDirectory directory;
  private final StreamSettings settings;
  private final ActorRef<StreamHubs.Command> hubs;

  public StreamRoutes(
      ActorSystem<?> system,
      Auth auth,
      TenantDirectory directory,
      StreamSettings settings,
      MeterRegistry registry) {
    this.system = system;
    this.auth = auth;
    this.directory = directory;
    this.settings = settings;
    AtomicInteger connections = new AtomicInteger();
    Gauge.builder("vigil.stream.connections", connections, AtomicInteger::get)
        .description("Open live-stream (SSE) connections on this node")
        .register(registry);
    this.hubs =
        system.systemActorOf(
            StreamHubs.create(
                settings,
                tokenId -> directory.tokenById(tokenId).map(Principal::of),
                () ->
                    directory.sites().stream()
                        .map(s -> s.id())
                        .collect(Collectors.toCollection(TreeSet::new)),
                connections),
            "stream-hubs",
            Props.empty());
    // streams never finish by themselves: end them as the port closes, so the requests-done
    // phase does not wait its whole grace for them and clients reconnect to another node
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseServiceUnbind(),
            "close-live-streams",
            () -> {
              hubs.tell(StreamHubs.CloseAll.INSTANCE);
              return CompletableFuture.completedFuture(Done.getInstance());
            });
  }

  public Route route() {
    return pathPrefix(
        "v1",
        () ->
            path(
                "stream",
                () ->
                    get(
                        () ->
                            auth.apiUser(
                                principal ->
                                    parameterOptional(
                                        "site",
                                        site ->
                                            parameterOptional(
                                                "kinds",
                                                kinds ->
                                                    parameterOptional(
                                                        "lastEventId",
                                                        lastId ->
                                                            extractRequest(
                                                                request ->
                                                                    open(
                                                                        principal, site, kinds,
                                                                        lastId, request)))))))));
  }

  private Route open(
      Principal principal,
      Optional<String> siteParam,
      Optional<String> kindsParam,
      Optional<String> lastIdParam,
      HttpRequest request) {
    Set<String> kinds = split(kindsParam);
    for (String kind : kinds) {
      if (!KINDS.contains(kind)) {
        return error(
            StatusCodes.BAD_REQUEST,
            new ApiError(
                "invalid_parameter",
                "unknown kind '" + kind + "'",
                Map.of("field", "kinds", "allowed", new TreeSet<>(KINDS))));
      }
    }
    Set<String> sites = split(siteParam);
    for (String site : sites) {
      // what the token may not see is 403 whether it exists or not: no probing for other ids
      if (!principal.maySee(site)) {
        return error(
            StatusCodes.FORBIDDEN,
            ApiError.of("forbidden", "this token may not see site '" + site + "'"));
      }
      if (directory.siteById(site).isEmpty()) {
        return error(
            StatusCodes.NOT_FOUND,
            new ApiError("unknown_site", "no site '" + site + "'", Map.of("field", "site")));
      }
    }
    boolean follow = sites.isEmpty() && principal.allSites();
    if (sites.isEmpty()) {
      sites =
          directory.sites().stream()
              .map(s -> s.id())
              .filter(principal::maySee)
              .collect(Collectors.toCollection(TreeSet::new));
    }
    Optional<String> lastId =
        request.getHeader("Last-Event-ID").map(HttpHeader::value).or(() -> lastIdParam);
    Map<String, Cursor> resume = null;
    boolean unreadable = false;
    if (lastId.isPresent() && !lastId.get().isBlank()) {
      Optional<Map<String, Cursor>> decoded = Cursor.decode(lastId.get());
      resume = decoded.orElse(null);
      unreadable = decoded.isEmpty();
    }
    Pair<BoundedSourceQueue<ByteString>, Source<ByteString, NotUsed>> queue =
        Source.<ByteString>queue(settings.bufferSize()).preMaterialize(system);
    String connectionId = UUID.randomUUID().toString();
    Map<String, Cursor> from = resume;
    Set<String> watched = sites;
    boolean unreadableId = unreadable;
    CompletionStage<StreamHub.Connected> opened =
        AskPattern.ask(
            hubs,
            replyTo ->
                new StreamHubs.Open(
                    new StreamHub.Connect(
                        principal,
                        connectionId,
                        watched,
                        follow,
                        kinds,
                        from,
                        unreadableId,
                        queue.first(),
                        replyTo)),
            OPEN_TIMEOUT,
            system.scheduler());
    return onComplete(
        opened,
        answer -> {
          if (answer.isFailure()) {
            // The hub did not answer in time, but may still register the connection: closed
            // after the open (one mailbox, in order), so it holds no slot of the token's limit.
            hubs.tell(new StreamHubs.Closed(principal.tokenId(), connectionId));
            queue.first().complete();
            return unavailable();
          }
          StreamHub.Connected connected = answer.get();
          return connected.accepted()
              ? complete(stream(principal.tokenId(), connectionId, queue.second()))
              : tooMany(connected.limit());
        });
  }

  private static Route unavailable() {
    return complete(
        ApiError.of("stream_unavailable", "the stream could not be opened in time; retry")
            .toResponse(StatusCodes.SERVICE_UNAVAILABLE)
            .addHeader(RetryAfter.create(RETRY_MILLIS / 1000)));
  }

  private HttpResponse stream(String tokenId, String connectionId, Source<ByteString, NotUsed> q) {
    Source<ByteString, NotUsed> body =
        Source.single(Frames.retry(RETRY_MILLIS))
            .concat(
                q.recover(
                    new PFBuilder<Throwable, ByteString>()
                        .match(
                            StreamHub.SlowConsumer.class,
                            e ->
                                Frames.control(
                                    null,
                                    "dropped",
                                    Map.of(
                                        "reason",
                                        "the client did not keep up: more than "
                                            + settings.bufferSize()
                                            + " events were waiting",
                                        "bufferSize",
                                        settings.bufferSize())))
                        .match(
                            StreamHub.Revoked.class,
                            e ->
                                Frames.control(
                                    null,
                                    "closed",
                                    Map.of("cause", "revoked", "reason", "the token was revoked")))
                        .build()))
            // a heartbeat every interval, busy or not; the stream ends with the queue's end
            .merge(
                Source.tick(
                    settings.heartbeatInterval(), settings.heartbeatInterval(), Frames.HEARTBEAT),
                true)
            .watchTermination(
                (mat, done) -> {
                  done.whenComplete(
                      (d, e) -> hubs.tell(new StreamHubs.Closed(tokenId, connectionId)));
                  return mat;
                });
    return HttpResponse.create()
        .withStatus(StatusCodes.OK)
        .addHeaders(
            List.of(
                RawHeader.create("Cache-Control", "no-cache"),
                // the stream is the whole response: when it ends (dropped, revoked, shutdown) the
                // connection goes with it instead of idling as a keep-alive connection
                Connection.create("close"),
                RawHeader.create("X-Accel-Buffering", "no")))
        .withEntity(HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(), body));
  }

  private Route tooMany(int limit) {
    HttpResponse response =
        new ApiError(
                "too_many_streams",
                "this token already has " + limit + " open streams on this node",
                Map.of("limit", limit))
            .toResponse(StatusCodes.TOO_MANY_REQUESTS)
            .addHeader(RetryAfter.create(RETRY_MILLIS / 1000));
    return complete(response);
  }

  private static Route error(org.apache.pekko.http.javadsl.model.StatusCode status, ApiError e) {
    return complete(e.toResponse(status));
  }

  private static Set<String> split(Optional<String> value) {
    return value
        .map(
            v ->
                Arrays.stream(v.split(","))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .collect(Collectors.toCollection(LinkedHashSet::new)))
        .orElseGet(LinkedHashSet::new);
  }
}
