package dev.vigil.detection.corpus;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The site the corpus visits: a home page, a few fixed pages, section indexes and content pages in
 * blog, docs (chapters with a "next page" link), products and help, linked the way a real site is:
 * every page links home and to its section, to related pages in its section and to a few elsewhere;
 * indexes link to all their pages. Deterministic for a seed.
 */
public final class SyntheticSite {
  public static final String HOST = "www.shop.example";
  public static final String ORIGIN = "https://" + HOST;

  private static final String[] WORDS = {
    "alpine", "budget", "canvas", "delta", "ember", "fjord", "garnet", "harbor", "indigo",
        "juniper",
    "kepler", "lumen", "marble", "nimbus", "orchid", "pepper", "quartz", "raven", "sierra",
        "tundra",
    "umber", "velvet", "willow", "xenon", "yonder", "zephyr", "amber", "basalt", "cobalt", "dune"
  };
  private static final String[] SECTIONS = {"blog", "docs", "products", "help"};
  private static final String[] FIXED = {"/", "/about", "/pricing", "/contact"};

  private final List<String> paths;
  private final Set<String> pathSet;
  private final List<int[]> links;
  private final int[] next;
  private final double[] popularity;

  private SyntheticSite(List<String> paths, List<int[]> links, int[] next, double[] popularity) {
    this.paths = List.copyOf(paths);
    this.pathSet = Set.copyOf(paths);
    this.links = List.copyOf(links);
    this.next = next;
    this.popularity = popularity;
  }

  /** A site of {@code pages} pages (at least 40). */
  public static SyntheticSite generate(int pages, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<String> paths = new ArrayList<>(List.of(FIXED));
    List<Integer> sectionOf = new ArrayList<>(List.of(-1, -1, -1, -1));
    for (int s = 0; s < SECTIONS.length; s++) {
      paths.add("/" + SECTIONS[s]);
      sectionOf.add(s);
    }
    int content = pages - paths.size();
    // blog 35 %, docs 30 %, products 25 %, help the rest
    int[] share = {content * 35 / 100, content * 30 / 100, content * 25 / 100, 0};
    share[3] = content - share[0] - share[1] - share[2];
    Set<String> taken = new LinkedHashSet<>(paths);
    int[] next = new int[pages];
    java.util.Arrays.fill(next, -1);
    for (int s = 0; s < SECTIONS.length; s++) {
      int chapter = 0;
      int inChapter = 0;
      for (int i = 0; i < share[s]; i++) {
        String path;
        do {
          String slug = WORDS[rnd.nextInt(WORDS.length)] + "-" + WORDS[rnd.nextInt(WORDS.length)];
          path =
              switch (SECTIONS[s]) {
                case "docs" -> String.format("/docs/ch%d/%02d-%s", chapter, inChapter + 1, slug);
                case "products" -> "/products/" + WORDS[i % 7] + "/" + slug;
                default -> "/" + SECTIONS[s] + "/" + slug;
              };
        } while (!taken.add(path));
        if (SECTIONS[s].equals("docs")) {
          if (inChapter > 0) {
            next[paths.size() - 1] = paths.size(); // the previous page of the chapter links here
          }
          if (++inChapter == 10) {
            chapter++;
            inChapter = 0;
          }
        }
        paths.add(path);
        sectionOf.add(s);
      }
    }
    List<int[]> links = new ArrayList<>();
    for (int p = 0; p < paths.size(); p++) {
      links.add(linksOf(p, paths, sectionOf, next, rnd));
    }
    double[] popularity = new double[paths.size()];
    for (int p = 0; p < paths.size(); p++) {
      // Zipf-like: a few pages attract most landings; rank is shuffled by the seed
      popularity[p] = 1.0 / Math.pow(1 + rnd.nextInt(paths.size()), 0.9);
    }
    popularity[0] = 0; // home is chosen explicitly as the direct-visit landing page
    return new SyntheticSite(paths, links, next, popularity);
  }

  private static int[] linksOf(
      int p, List<String> paths, List<Integer> sectionOf, int[] next, SplittableRandom rnd) {
    Set<Integer> out = new LinkedHashSet<>();
    int section = sectionOf.get(p);
    if (p == 0) {
      for (int i = 1; i < 8; i++) {
        out.add(i);
      }
      for (int i = 0; i < 12; i++) {
        out.add(8 + rnd.nextInt(paths.size() - 8));
      }
    } else if (p >= 4 && p < 8) {
      for (int i = 8; i < paths.size(); i++) {
        if (sectionOf.get(i) == section) {
          out.add(i); // a section index lists all its pages
        }
      }
    } else {
      out.add(0);
      if (section >= 0) {
        out.add(4 + section);
        for (int i = 0; i < 6; i++) {
          int q = 8 + rnd.nextInt(paths.size() - 8);
          if (sectionOf.get(q) == section) {
            out.add(q);
          }
        }
      }
      for (int i = 0; i < 3; i++) {
        out.add(1 + rnd.nextInt(paths.size() - 1));
      }
      if (next[p] >= 0) {
        out.add(next[p]);
      }
    }
    out.remove(p);
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  public int size() {
    return paths.size();
  }

  public String path(int page) {
    return paths.get(page);
  }

  public List<String> paths() {
    return paths;
  }

  public int[] links(int page) {
    return links.get(page);
  }

  /** The docs page a "next" link leads to, or -1. */
  public int next(int page) {
    return next[page];
  }

  public boolean isPage(String path) {
    return pathSet.contains(path);
  }

  /** A landing page from search or social, weighted by popularity. */
  public int popularPage(SplittableRandom rnd) {
    double total = 0;
    for (double w : popularity) {
      total += w;
    }
    double x = rnd.nextDouble() * total;
    for (int p = 0; p < popularity.length; p++) {
      x -= popularity[p];
      if (x <= 0) {
        return p;
      }
    }
    return popularity.length - 1;
  }

  public String url(int page) {
    return ORIGIN + paths.get(page);
  }
}
