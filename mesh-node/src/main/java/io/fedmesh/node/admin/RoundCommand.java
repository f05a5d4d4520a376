package io.fedmesh.node.admin;

import io.fedmesh.node.cli.FedmeshVersion;
import io.fedmesh.proto.v1.FinishedRound;
import io.fedmesh.proto.v1.RoundStatusRequest;
import io.fedmesh.proto.v1.RoundStatusResponse;
import io.fedmesh.proto.v1.StartRoundsRequest;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh round}: start a federation's rounds on its coordinator node, and follow them. */
@Command(name = "round", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class,
    description = {"A federation's rounds, run by the coordinator node at --target (the Admin service). The asking "
        + "node (--config) must be an admin of the federation.", ""},
    subcommands = {RoundCommand.Start.class, RoundCommand.Status.class, RoundCommand.Watch.class})
public final class RoundCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "no subcommand given (try 'fedmesh round --help')");
  }

  /** {@code fedmesh round start}. */
  @Command(name = "start", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"Starts --rounds rounds of --federation, one after another, on the coordinator at --target, and "
          + "prints the status right after. Fails (exit 1) if that node runs no coordinator, is not the federation's "
          + "coordinator, or rounds are already running. Follow them with 'fedmesh round watch'.", ""})
  public static final class Start implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    AdminTarget node;

    @Option(names = "--rounds", paramLabel = "N", description = "Rounds to run, 1 to 100000 (default: ${DEFAULT-VALUE}).")
    int rounds = 1;

    @Option(names = "--json", description = "The status as one JSON object (the keys of 'fedmesh round status --json').")
    boolean json;

    @Override
    public Integer call() throws Exception {
      if (rounds < 1 || rounds > AdminService.MAX_ROUNDS) {
        throw new ParameterException(spec.commandLine(), "--rounds must be 1 to " + AdminService.MAX_ROUNDS + ", got " + rounds);
      }
      RoundStatusResponse status = node.call(spec, admin -> admin.withDeadlineAfter(30, TimeUnit.SECONDS)
          .startRounds(StartRoundsRequest.newBuilder().setFederation(node.federationId()).setRounds(rounds).build()));
      print(spec.commandLine().getOut(), status, json);
      return 0;
    }
  }

  /** {@code fedmesh round status}. */
  @Command(name = "status", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"Prints --federation's rounds as its coordinator at --target sees them: the current round, its phase, "
          + "how many participants were invited, advertised keys, declined and dropped out, the rounds left, the "
          + "global model, then one line per finished round (outcome, reason, contributors, loss, accuracy, AUC). "
          + "Fails if that node never coordinated the federation.", ""})
  public static final class Status implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    AdminTarget node;

    @Option(names = "--json", description = "One JSON object: {\"federation\", \"round\", \"phase\", \"invited\", "
        + "\"advertised\", \"declined\", \"dropped\", \"rounds_left\", \"model_sha256\", \"history\": [{\"round\", "
        + "\"outcome\", \"reason\", \"model_sha256\", \"contributors\", \"evaluation_examples\", \"loss\", \"accuracy\", "
        + "\"auc\", \"duration_millis\"}]}; a metric nobody reported is null.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      RoundStatusResponse status = node.call(spec, admin -> admin.withDeadlineAfter(10, TimeUnit.SECONDS)
          .getRoundStatus(RoundStatusRequest.newBuilder().setFederation(node.federationId()).build()));
      print(spec.commandLine().getOut(), status, json);
      return 0;
    }
  }

  /** {@code fedmesh round watch}. */
  @Command(name = "watch", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"Follows --federation's rounds live: a line each time the current round changes (round, phase, "
          + "invited, advertised, declined, dropped, rounds left) and a line for each round that finishes (outcome, "
          + "reason, contributors, loss, accuracy, AUC). Ends (exit 0) when no rounds are left and the last one has "
          + "finished, at once if none is running; Ctrl-C stops watching (the rounds go on).", ""})
  public static final class Watch implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    AdminTarget node;

    @Option(names = "--json", description = "One JSON object per line per change (JSON Lines), with the keys of "
        + "'fedmesh round status --json'; each history holds only the rounds finished since the previous line.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      node.call(spec, admin -> {
        Iterator<RoundStatusResponse> changes = admin.watchRounds(RoundStatusRequest.newBuilder()
            .setFederation(node.federationId()).build());
        String previous = null;
        while (changes.hasNext()) {
          RoundStatusResponse status = changes.next();
          if (json) {
            out.println(AdminJson.status(status));
          } else {
            for (FinishedRound f : status.getHistoryList()) {
              out.println(finished(f));
            }
            String line = current(status);
            if (!line.equals(previous)) {
              out.println(line);
              previous = line;
            }
          }
          out.flush();
        }
        return null;
      });
      return 0;
    }
  }

  static void print(PrintWriter out, RoundStatusResponse status, boolean json) {
    if (json) {
      out.println(AdminJson.status(status));
      return;
    }
    out.println("federation " + status.getFederation().getName() + ", global model "
        + (status.getModelSha256().isEmpty() ? "none yet" : status.getModelSha256()));
    out.println(current(status));
    for (FinishedRound f : status.getHistoryList()) {
      out.println(finished(f));
    }
  }

  /** The current round on one line. */
  static String current(RoundStatusResponse s) {
    return String.format(Locale.ROOT, "round %d  %s  invited %d  advertised %d  declined %d  dropped %d  (%d round%s left)",
        s.getRound(), s.getPhase(), s.getInvited(), s.getAdvertised(), s.getDeclined(), s.getDropped(), s.getRoundsLeft(),
        s.getRoundsLeft() == 1 ? "" : "s");
  }

  /** A finished round on one line. */
  static String finished(FinishedRound f) {
    return String.format(Locale.ROOT, "round %d  %s%s  contributors %d  loss %s  accuracy %s  AUC %s%s  (%.1f s)",
        f.getRound(), f.getOutcome(), f.getReason().isEmpty() ? "" : " (" + f.getReason() + ")", f.getContributors(),
        metric(f.getLoss()), metric(f.getAccuracy()), metric(f.getAuc()),
        f.getHasPersonalised() ? "  personalised accuracy " + metric(f.getPersonalisedAccuracy()) + "  AUC "
            + metric(f.getPersonalisedAuc()) : "", f.getDurationMillis() / 1000.0);
  }

  private static String metric(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "n/a";
  }
}
