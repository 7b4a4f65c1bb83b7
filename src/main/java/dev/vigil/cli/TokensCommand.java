package dev.vigil.cli;

import com.typesafe.config.Config;
import dev.vigil.db.Database;
import dev.vigil.tenancy.ApiToken;
import dev.vigil.tenancy.Role;
import dev.vigil.tenancy.TenancyRepository;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code vigil tokens create|list|revoke} against the configured database. */
@Command(
    name = "tokens",
    description = "Create, list and revoke API tokens.",
    subcommands = {
      TokensCommand.Create.class,
      TokensCommand.ListTokens.class,
      TokensCommand.Revoke.class
    })
public final class TokensCommand {
  @ParentCommand dev.vigil.Main parent;

  @Command(name = "create", description = "Create a token and print its secret once.")
  static final class Create implements Callable<Integer> {
    @ParentCommand TokensCommand tokens;

    @Option(names = "--name", required = true, description = "Who or what the token is for.")
    String name;

    @Option(names = "--role", defaultValue = "viewer", description = "admin or viewer.")
    String role;

    @Option(names = "--site", description = "A site the token may see (repeatable).")
    List<String> sites = new ArrayList<>();

    @Option(
        names = "--all-sites",
        description = "The token may see every site, present and future.")
    boolean allSites;

    @Override
    public Integer call() throws SQLException {
      Role r;
      try {
        r = Role.fromDb(role);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--role must be admin or viewer");
      }
      Config config = Cli.loadConfig(tokens.parent.configFile(), true);
      try (Database db = Cli.openDatabase(config)) {
        var created = new TenancyRepository(db.dataSource()).createToken(name, r, allSites, sites);
        System.out.println("token id:  " + created.token().id());
        System.out.println("secret:    " + created.secret() + "   (shown once)");
        return 0;
      }
    }
  }

  @Command(name = "list", description = "List tokens (never their secrets).")
  static final class ListTokens implements Callable<Integer> {
    @ParentCommand TokensCommand tokens;

    @Override
    public Integer call() throws SQLException {
      Config config = Cli.loadConfig(tokens.parent.configFile(), true);
      try (Database db = Cli.openDatabase(config)) {
        System.out.printf("%-18s %-20s %-7s %-8s %s%n", "ID", "NAME", "ROLE", "STATE", "SITES");
        for (ApiToken t : new TenancyRepository(db.dataSource()).listTokens()) {
          System.out.printf(
              "%-18s %-20s %-7s %-8s %s%n",
              t.id(),
              t.name(),
              t.role().dbValue(),
              t.revoked() ? "revoked" : "active",
              t.allSites() ? "(all)" : String.join(",", t.siteIds().stream().sorted().toList()));
        }
        return 0;
      }
    }
  }

  @Command(name = "revoke", description = "Revoke a token by id.")
  static final class Revoke implements Callable<Integer> {
    @ParentCommand TokensCommand tokens;

    @Parameters(index = "0", description = "Token id (tok_...).")
    String id;

    @Override
    public Integer call() throws SQLException {
      Config config = Cli.loadConfig(tokens.parent.configFile(), true);
      try (Database db = Cli.openDatabase(config)) {
        if (!new TenancyRepository(db.dataSource()).revokeToken(id)) {
          throw new IllegalArgumentException("no active token '" + id + "'");
        }
        System.out.println("revoked " + id);
        return 0;
      }
    }
  }
}
