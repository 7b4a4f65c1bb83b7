package dev.vigil.loadtest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Live streams under load, over HTTP only:
 *
 * <ol>
 *   <li><b>connections</b>: {@code connections} streams opened with {@code kinds=anomaly} (quiet:
 *       they cost what an open dashboard costs while nothing happens), each counted when its
 *       {@code ready} event arrives; Vigil's heap is read from {@code /metrics} after a full GC
 *       ({@code jcmd <pid> GC.run}) before and after, so the heap per connection is measured, not
 *       guessed, and {@code vigil_stream_connections} must show them all.
 *   <li><b>latency</b>: {@code subscribers} more streams with {@code kinds=session}; beacons are
 *       sent at {@code rate}/s for {@code seconds}, each for a new session whose id carries its send
 *       time, and every {@code session.started} that reaches a subscriber is timed: beacon sent →
 *       event read by the client (same clock, same machine).
 * </ol>
 *
 * <p>Usage: {@code SseBench <baseUrl> <apiToken> <publicKey> <vigilPid> <outDir> [connections]
 * [subscribers] [rate] [seconds]}.
 */
public final class SseBench {
  private static final int POOL = 1000;
  private static final Pattern SESSION = Pattern.compile("\"sessionId\":\"sse-([0-9]+)-");
  /** The event's own time: when the session published it (since 208ab0b, before its journal write). */
  private static final Pattern AT = Pattern.compile("\"at\":\"([^\"]+)\"");

  public static void main(String[] args) throws Exception {
    Locale.setDefault(Locale.ROOT);
    String base = args[0];
    String token = args[1];
    String key = args[2];
    String pid = args[3];
    Path out = Path.of(args[4]);
    int connections = args.length > 5 ? Integer.parseInt(args[5]) : 10_000;
    int subscribers = args.length > 6 ? Integer.parseInt(args[6]) : 10;
    int rate = args.length > 7 ? Integer.parseInt(args[7]) : 1000;
    int seconds = args.length > 8 ? Integer.parseInt(args[8]) : 20;
    int newEvery = args.length > 9 ? Integer.parseInt(args[9]) : 10;
    int warmupSeconds = args.length > 10 ? Integer.parseInt(args[10]) : 10;

    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    long heapBefore = heapAfterGc(client, base, pid);
    long openBefore = gauge(client, base, "vigil_stream_connections");

    // 1. many quiet connections
    CountDownLatch ready = new CountDownLatch(connections);
    LongAdder failed = new LongAdder();
    Semaphore opening = new Semaphore(200);
    List<CompletableFuture<?>> streams = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < connections; i++) {
      opening.acquire();
      CompletableFuture<?> f =
          client
              .sendAsync(
                  stream(base, token, "kinds=anomaly"),
                  HttpResponse.BodyHandlers.fromLineSubscriber(
                      new Lines(
                          line -> {
                            if (line.equals("event: ready")) {
                              opening.release();
                              ready.countDown();
                            }
                          })))
              .whenComplete(
                  (r, e) -> {
                    if (e != null || r.statusCode() != 200) {
                      failed.increment();
                      opening.release();
                      ready.countDown();
                    }
                  });
      streams.add(f);
    }
    boolean allReady = ready.await(300, TimeUnit.SECONDS);
    double openSeconds = (System.nanoTime() - t0) / 1e9;
    long open = gauge(client, base, "vigil_stream_connections") - openBefore;
    long heapAfter = heapAfterGc(client, base, pid);
    double perConnection = (heapAfter - heapBefore) / (double) Math.max(1, open);
    System.out.printf(
        "bench: %d streams open (%d failed, all ready: %s) in %.1f s; heap %.1f MiB -> %.1f MiB"
            + " after GC = %.1f KiB per stream%n",
        open,
        failed.sum(),
        allReady,
        openSeconds,
        heapBefore / 1048576.0,
        heapAfter / 1048576.0,
        perConnection / 1024);

    // 2. beacon-to-client latency
    ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Long> published = new ConcurrentLinkedQueue<>();
    CountDownLatch subscribed = new CountDownLatch(subscribers);
    for (int i = 0; i < subscribers; i++) {
      client.sendAsync(
          stream(base, token, "kinds=session"),
          HttpResponse.BodyHandlers.fromLineSubscriber(
              new Lines(
                  line -> {
                    if (line.equals("event: ready")) {
                      subscribed.countDown();
                    } else if (line.startsWith("data: {\"type\":\"session.started\"")) {
                      Matcher m = SESSION.matcher(line);
                      if (m.find()) {
                        long sentMicros = Long.parseLong(m.group(1));
                        latencies.add(System.currentTimeMillis() * 1000 - sentMicros);
                        Matcher at = AT.matcher(line);
                        if (at.find()) {
                          Instant t = Instant.parse(at.group(1));
                          published.add(t.getEpochSecond() * 1_000_000 + t.getNano() / 1000 - sentMicros);
                        }
                      }
                    }
                  })));
    }
    subscribed.await(60, TimeUnit.SECONDS);
    AtomicLong sent = new AtomicLong();
    LongAdder accepted = new LongAdder();
    LongAdder acceptedNew = new LongAdder();
    // how long the timed beacons took to be acknowledged (202): the first part of the path
    ConcurrentLinkedQueue<Long> acks = new ConcurrentLinkedQueue<>();
    // 32 senders, each on its own keep-alive connection, each sending on its own even schedule
    int senders = 32;
    long total = (long) rate * (seconds + warmupSeconds);
    long warmupBeacons = (long) rate * warmupSeconds;
    long periodNanos = 1_000_000_000L * senders / rate;
    long start = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < senders; t++) {
      int sender = t;
      Thread th =
          new Thread(
              () -> {
                HttpClient own =
                    HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(10))
                        .build();
                long next = start + sender * periodNanos / senders;
                for (long k = sender; k < total; k += senders) {
                  long wait = next - System.nanoTime();
                  if (wait > 0) {
                    try {
                      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                  next += periodNanos; // a late answer does not cause a burst to catch up
                  long n = sent.incrementAndGet();
                  long micros = System.currentTimeMillis() * 1000;
                  // one beacon in newEvery starts a session (timed by its session.started); the
                  // rest are page views of a pool of visits already under way, as most beacons are
                  boolean timed = n % newEvery == 0 && n > warmupBeacons;
                  String session =
                      timed
                          ? "sse-" + micros + "-" + n
                          : n % newEvery == 0
                              ? "sse-warm-" + micros + "-" + n
                              : String.format("sse-pool-%06d", n % POOL);
                  String body =
                      "{\"site\":\""
                          + key
                          + "\",\"session\":\""
                          + session
                          + "\",\"visitor\":\"visitor-sse\",\"events\":[{\"type\":\"page_view\","
                          + "\"ts\":"
                          + micros / 1000
                          + ",\"url\":\"https://shop.example/sse\"}]}";
                  try {
                    HttpResponse<Void> r =
                        own.send(
                            HttpRequest.newBuilder(URI.create(base + "/v1/collect"))
                                .timeout(Duration.ofSeconds(10))
                                .header("Content-Type", "text/plain;charset=UTF-8")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                            HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 202 && n > warmupBeacons) {
                      accepted.increment();
                      if (timed) {
                        acceptedNew.increment();
                        acks.add(System.currentTimeMillis() * 1000 - micros);
                      }
                    }
                  } catch (Exception e) {
                    // counted as not accepted
                  }
                }
              },
              "beacon-sender-" + t);
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join(TimeUnit.SECONDS.toMillis(seconds + warmupSeconds + 60L));
    }
    Thread.sleep(3000); // the last events' delivery; what arrives later counts as not delivered
    long[] l = sorted(latencies);
    long expected = acceptedNew.sum() * subscribers;
    double p50 = percentile(l, 50) / 1000.0;
    double p99 = percentile(l, 99) / 1000.0;
    double max = l.length == 0 ? 0 : l[l.length - 1] / 1000.0;
    long[] a = sorted(acks);
    double ackP50 = percentile(a, 50) / 1000.0;
    double ackP99 = percentile(a, 99) / 1000.0;
    long[] pub = sorted(published);
    double pubP50 = percentile(pub, 50) / 1000.0;
    double pubP99 = percentile(pub, 99) / 1000.0;
    System.out.printf(
        "bench: %d beacons at %d/s (%d accepted, %d of them starting a session); %d of %d"
            + " session.started deliveries to %d subscribers; beacon-to-client p50 %.1f ms,"
            + " p99 %.1f ms, max %.1f ms; the same beacons acknowledged (202) p50 %.1f ms,"
            + " p99 %.1f ms; published by the session p50 %.1f ms,"
            + " p99 %.1f ms%n",
        Math.min(sent.get(), total) - warmupBeacons,
        rate,
        accepted.sum(),
        acceptedNew.sum(),
        l.length,
        expected,
        subscribers,
        p50,
        p99,
        max,
        ackP50,
        ackP99,
        pubP50,
        pubP99);
    Files.writeString(
        out.resolve("sse.json"),
        String.format(
            "{\"connections\":%d,\"failed\":%d,\"allReady\":%s,\"openSeconds\":%.1f,"
                + "\"heapBeforeBytes\":%d,\"heapAfterBytes\":%d,\"heapPerConnectionBytes\":%.0f,"
                + "\"rate\":%d,\"newSessionEvery\":%d,\"seconds\":%d,\"subscribers\":%d,"
                + "\"beaconsAccepted\":%d,"
                + "\"deliveries\":%d,\"expectedDeliveries\":%d,\"p50Ms\":%.1f,\"p99Ms\":%.1f,"
                + "\"maxMs\":%.1f,\"ackP50Ms\":%.1f,\"ackP99Ms\":%.1f,"
                + "\"publishedP50Ms\":%.1f,\"publishedP99Ms\":%.1f}%n",
            open,
            failed.sum(),
            allReady,
            openSeconds,
            heapBefore,
            heapAfter,
            perConnection,
            rate,
            newEvery,
            seconds,
            subscribers,
            accepted.sum(),
            l.length,
            expected,
            p50,
            p99,
            max,
            ackP50,
            ackP99,
            pubP50,
            pubP99));
    streams.forEach(f -> f.cancel(true));
    System.exit(0);
  }

  private static HttpRequest stream(String base, String token, String query) {
    return HttpRequest.newBuilder(URI.create(base + "/v1/stream?" + query))
        .header("Authorization", "Bearer " + token)
        .header("Accept", "text/event-stream")
        .GET()
        .build();
  }

  private static long[] sorted(ConcurrentLinkedQueue<Long> micros) {
    return micros.stream().mapToLong(Long::longValue).sorted().toArray();
  }

  private static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /** Vigil's heap in use after a full GC, from its own /metrics. */
  static long heapAfterGc(HttpClient client, String base, String pid) throws Exception {
    new ProcessBuilder("jcmd", pid, "GC.run").redirectErrorStream(true).start().waitFor();
    return (long) sum(metrics(client, base), "jvm_memory_used_bytes", "area=\"heap\"");
  }

  private static long gauge(HttpClient client, String base, String name) throws Exception {
    return (long) sum(metrics(client, base), name, "");
  }

  static String metrics(HttpClient client, String base)
      throws IOException, InterruptedException {
    return client
        .send(
            HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  static double sum(String metrics, String name, String label) {
    return Arrays.stream(metrics.split("\n"))
        .filter(l -> (l.startsWith(name + "{") || l.startsWith(name + " ")) && l.contains(label))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  /** Hands each line of a stream to a consumer. */
  private record Lines(java.util.function.Consumer<String> onLine)
      implements java.util.concurrent.Flow.Subscriber<String> {
    @Override
    public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      onLine.accept(line);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onComplete() {}
  }
}
