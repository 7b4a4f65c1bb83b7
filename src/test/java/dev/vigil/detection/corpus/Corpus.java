package dev.vigil.detection.corpus;

import dev.vigil.detection.corpus.Actor.Kind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The labelled evaluation corpus of the detection spec: people and each kind of bot over one
 * synthetic site, {@value #SPAN_HOURS} hours of traffic as times from the corpus start. Everything
 * is derived from one seed, so a corpus can be regenerated exactly.
 */
public final class Corpus {
  public static final int SPAN_HOURS = 20;
  public static final long SPAN = SPAN_HOURS * 3_600_000L;

  /** How much of everything. */
  public record Sizes(int pages, int humans, int offices, int peoplePerOffice, int botsPerKind) {
    public static final Sizes DEFAULT = new Sizes(200, 240, 4, 4, 20);
  }

  /** One step of one actor, in the order the corpus replays them. */
  public record Scheduled(Actor actor, int index, Trace.Step step) {}

  private final long seed;
  private final SyntheticSite site;
  private final List<Actor> actors;

  private Corpus(long seed, SyntheticSite site, List<Actor> actors) {
    this.seed = seed;
    this.site = site;
    this.actors = List.copyOf(actors);
  }

  public static Corpus generate(long seed, Sizes sizes) {
    SplittableRandom root = new SplittableRandom(seed);
    SyntheticSite site = SyntheticSite.generate(sizes.pages(), root.nextLong());
    HumanTraces humans = new HumanTraces(site, SPAN);
    CrawlerTraces crawlers = new CrawlerTraces(site, SPAN);
    FleetTraces fleets = new FleetTraces(site, SPAN);
    List<Actor> actors = new ArrayList<>();
    List<HumanTraces.Office> offices = new ArrayList<>();
    for (int o = 0; o < sizes.offices(); o++) {
      SplittableRandom rnd = root.split();
      offices.add(
          new HumanTraces.Office(
              Clients.host(Clients.residentialNet(rnd), rnd),
              rnd.nextBoolean() ? Clients.CHROME_WIN : Clients.EDGE_WIN,
              o % 2 == 0 ? "en-US,en;q=0.9" : "de-DE,de;q=0.9,en;q=0.8",
              "office" + o));
    }
    int officeSeats = sizes.offices() * sizes.peoplePerOffice();
    for (int i = 0; i < sizes.humans(); i++) {
      HumanTraces.Office office = i < officeSeats ? offices.get(i / sizes.peoplePerOffice()) : null;
      actors.add(humans.human(actors.size(), root.split(), office));
    }
    for (Kind kind : Kind.values()) {
      for (int i = 0; i < sizes.botsPerKind() && kind.bot(); i++) {
        int id = actors.size();
        SplittableRandom rnd = root.split();
        actors.add(
            switch (kind) {
              case DECLARED_CRAWLER -> crawlers.declared(id, rnd);
              case SPOOFED_CRAWLER -> crawlers.spoofedCrawler(id, rnd);
              case AUTOMATION_TOOL -> crawlers.tool(id, rnd);
              case SPOOFED_UA_SCRAPER -> crawlers.spoofedUa(id, rnd);
              case HEADLESS_CRAWLER -> crawlers.headless(id, rnd);
              case SLOW_CRAWLER -> crawlers.slow(id, rnd);
              case FARM_FEW_NETWORKS -> fleets.farm(id, 2 + rnd.nextInt(3), rnd);
              case FARM_MANY_NETWORKS -> fleets.farm(id, 0, rnd);
              case PERIODIC_MONITOR -> fleets.monitor(id, rnd);
              case SCANNER -> fleets.scanner(id, rnd);
              case HUMAN -> throw new IllegalStateException();
            });
      }
    }
    return new Corpus(seed, site, actors);
  }

  public long seed() {
    return seed;
  }

  public SyntheticSite site() {
    return site;
  }

  public List<Actor> actors() {
    return actors;
  }

  /** Every step of every actor in time order; ties keep actor and step order. */
  public List<Scheduled> schedule() {
    List<Scheduled> all = new ArrayList<>();
    for (Actor a : actors) {
      for (int i = 0; i < a.steps().size(); i++) {
        all.add(new Scheduled(a, i, a.steps().get(i)));
      }
    }
    all.sort(
        Comparator.comparingLong((Scheduled s) -> s.step().at())
            .thenComparingInt(s -> s.actor().id())
            .thenComparingInt(Scheduled::index));
    return all;
  }
}
