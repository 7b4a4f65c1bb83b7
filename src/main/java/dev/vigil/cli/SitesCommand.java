package dev.vigil.cli;

import com.typesafe.config.Config;
import dev.vigil.db.Database;
import dev.vigil.tenancy.Site;
import dev.vigil.tenancy.TenancyRepository;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code vigil sites create|list} against the configured database. */
@Command(
    name = "sites",
    description = "Create and list sites (tenants).",
    subcommands = {SitesCommand.Create.class, SitesCommand.ListSites.class})
public final class SitesCommand {
  @ParentCommand dev.vigil.Main parent;

  @Command(name = "create", description = "Create a site and print its keys once.")
  static final class Create implements Callable<Integer> {
    @ParentCommand SitesCommand sites;

    @Option(names = "--name", required = true, description = "Display name.")
    String name;

    @Option(names = "--id", description = "Site id (a-z, 0-9, '_', '-'); default: from the name.")
    String id;

    @Option(names = "--host", description = "Host allowed to send beacons (repeatable).")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--privacy-tier", defaultValue = "1", description = "1, 2 or 3.")
    int privacyTier;

    @Override
    public Integer call() throws SQLException {
      Config config = Cli.loadConfig(sites.parent.configFile(), true);
      String siteId = id == null ? TenancyRepository.slug(name) : id;
      TenancyRepository.validateSite(siteId, name, privacyTier);
      try (Database db = Cli.openDatabase(config)) {
        var created =
            new TenancyRepository(db.dataSource()).createSite(siteId, name, hosts, privacyTier);
        System.out.println("site:        " + created.site().id());
        System.out.println("public key:  " + created.site().publicKey());
        System.out.println("server key:  " + created.serverKey() + "   (shown once)");
        return 0;
      } catch (SQLException e) {
        if ("23505".equals(e.getSQLState())) {
          throw new IllegalArgumentException("a site with id '" + siteId + "' already exists");
        }
        throw e;
      }
    }
  }

  @Command(name = "list", description = "List sites.")
  static final class ListSites implements Callable<Integer> {
    @ParentCommand SitesCommand sites;

    @Override
    public Integer call() throws SQLException {
      Config config = Cli.loadConfig(sites.parent.configFile(), true);
      try (Database db = Cli.openDatabase(config)) {
        System.out.printf("%-24s %-28s %-4s %s%n", "ID", "PUBLIC KEY", "TIER", "HOSTS");
        for (Site s : new TenancyRepository(db.dataSource()).listSites()) {
          System.out.printf(
              "%-24s %-28s %-4d %s%n",
              s.id(),
              s.publicKey(),
              s.privacyTier(),
              s.allowedHosts().isEmpty() ? "(any)" : String.join(",", s.allowedHosts()));
        }
        return 0;
      }
    }
  }
}
