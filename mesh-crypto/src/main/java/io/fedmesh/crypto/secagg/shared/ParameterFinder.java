package io.fedmesh.crypto.secagg.shared;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Chooses the neighbour degree k and the Shamir threshold t of a SecAgg+ round (Bell et al. 2020,
 * "Secure Single-Server Aggregation with (Poly)Logarithmic Overhead") from the cohort size n, the
 * dropout fraction delta and the corrupt-client fraction gamma that the round must tolerate.
 *
 * <p><b>Model.</b> The graph is the Harary graph H(k, n) of {@link NeighbourGraph}: a ring in a
 * uniformly random order, each client joined to the k/2 nearest on either side, so a client's k
 * neighbours are a uniformly random k-subset of the other n - 1 clients (k even, or k = n - 1 for the
 * complete graph of classic SecAgg, Bonawitz et al. 2017). Each client Shamir-shares its self-mask seed
 * and its mask key t-of-(k + 1) among its neighbours and itself. The adversary is an honest-but-curious
 * server colluding with up to C = floor(gamma * n) clients; up to D = floor(delta * n) clients drop at
 * any point after the graph is fixed. Both sets are assumed independent of the ring order (the ring is
 * drawn from a seed that hashes the round's configuration and every advertisement; a server that
 * follows the protocol does not grind it, and signed advertisements, the malicious-server issue,
 * will stop one that would). The worst case is taken: exactly D
 * dropouts and C corrupt clients, disjoint, so B = C + D clients are "bad".
 *
 * <p><b>Conditions</b> (each a union bound; hypergeometric tails are computed exactly in log space).
 * X ~ Hyp(N, K, k) below is the number of marked clients among k drawn without replacement from N
 * clients of which K are marked.
 *
 * <ol>
 *   <li><b>Correctness</b> (every client's secret can be rebuilt, Bell et al.'s condition that each
 *       client keeps at least t surviving shareholders): a client that survives needs t - 1 live
 *       neighbours (its own share counts), a client that drops needs t live neighbours. The bound
 *       accepted is
 *       <pre>{@code (n - D) P[Hyp(n-1, D, k) >= k - t + 2] + D P[Hyp(n-1, D-1, k) >= k - t + 1] <= 2^-eta}</pre>
 *   <li><b>Security, shares</b>: no honest client may have t or more corrupt shareholders (they could
 *       rebuild the secret the curious server does not get from honest clients, who reveal only one of
 *       a client's two secrets). The client itself is honest, so
 *       <pre>{@code P_shares = n P[Hyp(n-1, C, k) >= t]}</pre>
 *       (a union over all n clients rather than the n - C honest ones: at most log2(1/(1-gamma)) bits
 *       more, and it keeps the bound monotone in gamma).
 *   <li><b>Security, connectivity</b> (Bell et al.'s condition that the honest surviving clients stay
 *       connected, so their pairwise masks hide each input and the server learns only the whole sum):
 *       removing nodes disconnects H(k, n) only if two disjoint, non-adjacent runs of k/2 consecutive
 *       ring positions are all removed. There are n (n - k - 1) / 2 such pairs of runs, and the k given
 *       positions are all bad with probability B! (n - k)! / ((B - k)! n!), so
 *       <pre>{@code P_disconnect = n (n - k - 1) / 2 * B! (n - k)! / ((B - k)! n!)   (0 if k > B or k = n - 1)}</pre>
 *       The round is accepted if {@code P_shares + P_disconnect <= 2^-sigma}.
 * </ol>
 *
 * <p>These are the conditions of the semi-honest ({@code CURIOUS_SERVER}) case of Google's finder,
 * {@code fcp/secagg/server/graph_parameter_finder.cc} in google-parfait/federated-compute (read for
 * comparison; this is an independent implementation), with three differences: the two security events
 * are summed and compared with 2^-sigma instead of each being held to 2^-(sigma+1); shareholders are
 * the client itself plus k neighbours drawn from the n - 1 others (fcp draws a client's k
 * shareholders from all n); and survivors (whose own share counts) and dropped clients (whose share
 * does not) are bounded separately for correctness.
 *
 * <p><b>Malicious server</b> ({@link Adversary#MALICIOUS_SERVER}, Bell et al. 2020 section 5). A server
 * that lies about who dropped can tell some of a client's shareholders that it survived and others that
 * it dropped. Each honest shareholder reveals one share of the client's two secrets, each corrupt one
 * both; with c_u corrupt among the k + 1 shareholders of client u, the server gets t shares of both
 * only if 2 (t - c_u) <= k + 1 - c_u. So the shares condition becomes: no honest client has
 * {@code c_u >= 2t - k - 1} corrupt shareholders,
 * <pre>{@code P_shares = n P[Hyp(n-1, C, k) >= 2t - k - 1]}</pre>
 * which needs t > (k + 1) / 2 (for classic SecAgg, Bonawitz et al.'s t > (n + C) / 2). The consistency
 * check makes such lies detectable, but the bound does not count on it. Correctness is also stricter:
 * every answering client needs t of its neighbours' signatures on the survivor list, so a surviving
 * client, like a dropped one, needs t live neighbours:
 * {@code (n - D) P[Hyp(n-1, D, k) >= k - t + 1] + D P[Hyp(n-1, D-1, k) >= k - t + 1]}.
 *
 * <p>For the complete graph (k = n - 1) every term is 0 or 1 and the conditions become the counts of
 * classic SecAgg: {@code floor(gamma n) < t <= n - floor(delta n)}.
 *
 * <p><b>Search.</b> {@link #find} takes the smallest k in 2, 4, ... (below n - 1), then n - 1, for
 * which some t meets all three conditions. For a fixed k the shares bound falls and the correctness
 * bound rises with t, so the valid t form an interval; the finder returns its <em>largest</em> t.
 * Correctness still holds with probability 1 - 2^-eta, and the spare margin goes to privacy: a
 * correctness failure only aborts a round, while a privacy failure (for example when gamma was
 * underestimated) cannot be undone. (fcp picks the smallest valid t, at least 2, for cheaper
 * reconstruction.) t = 1, where every neighbour holds the secrets themselves, comes out only when
 * correctness allows nothing larger and the model has no corrupt client at all.
 * Feasibility for a fixed k only gets harder as delta or gamma grow, so k never shrinks when they do.
 * Cost: a few dozen tail sums per candidate k, each over the terms that matter (about the tail's width),
 * so n = 100,000 takes milliseconds for moderate fractions (under a second when delta + gamma is
 * close to 1 and k runs to tens of thousands).
 */
public final class ParameterFinder {
  /** Default statistical security parameter: privacy fails with probability at most 2^-40. */
  public static final int DEFAULT_SIGMA = 40;
  /** Default correctness parameter: too many dropouts make a round fail with probability at most 2^-20. */
  public static final int DEFAULT_ETA = 20;

  private static final double LN2 = Math.log(2);
  // fraction * n is rounded down to a count; the slack keeps 0.29 * 100 = 28.999... from becoming 28.
  private static final double COUNT_SLACK = 1e-9;
  // Tail sums stop once a term is below 2^-60 of the running sum (the terms are log-concave).
  private static final double NEGLIGIBLE = 0x1p-60;
  private static final int TABLE = 1024;
  private static final double[] LOG_FACTORIAL = new double[TABLE];

  static {
    for (int i = 2; i < TABLE; i++) {
      LOG_FACTORIAL[i] = LOG_FACTORIAL[i - 1] + Math.log(i);
    }
  }

  /**
   * A degree k ({@code neighbours}), a threshold t, and log2 of the bounds above: correctness is the
   * probability that the round fails because of at most delta * n dropouts, security the probability
   * that the curious server and the corrupt clients learn more than the sum. {@code -Infinity} means the
   * event cannot happen (as in classic SecAgg, whose conditions are deterministic).
   */
  public record Result(int neighbours, int threshold, double correctnessFailureLog2, double securityFailureLog2) {}

  /** Whom the round must withstand. */
  public enum Adversary {
    /** A server that follows the protocol, with up to gamma n corrupt clients: Bell et al.'s semi-honest case. */
    CURIOUS_SERVER,
    /** A server that lies (malicious-server rounds: signed keys, graph nonces, consistency check). */
    MALICIOUS_SERVER
  }

  private ParameterFinder() {}

  /** {@link #find(int, double, double, int, int)} with sigma = 40 and eta = 20. */
  public static Result find(int n, double dropout, double corrupt) {
    return find(n, dropout, corrupt, DEFAULT_SIGMA, DEFAULT_ETA);
  }

  /**
   * The smallest k, and the largest t for that k, such that correctness fails with probability at most
   * 2^-eta and privacy with probability at most 2^-sigma.
   *
   * @param dropout delta, the fraction of the n clients that may drop, in [0, 1)
   * @param corrupt gamma, the fraction of the n clients that may collude with the server, in [0, 1)
   * @throws IllegalArgumentException for arguments out of range, or if not even classic SecAgg (k = n-1)
   *     meets the requirements
   */
  public static Result find(int n, double dropout, double corrupt, int sigma, int eta) {
    return find(n, dropout, corrupt, sigma, eta, Adversary.CURIOUS_SERVER);
  }

  /** {@link #find(int, double, double, int, int)} against {@code adversary}, sigma = 40 and eta = 20. */
  public static Result find(int n, double dropout, double corrupt, Adversary adversary) {
    return find(n, dropout, corrupt, DEFAULT_SIGMA, DEFAULT_ETA, adversary);
  }

  /** {@link #find(int, double, double, int, int)} against {@code adversary}. */
  public static Result find(int n, double dropout, double corrupt, int sigma, int eta, Adversary adversary) {
    checkArguments(n, dropout, corrupt, sigma, eta);
    int d = count(n, dropout);
    int c = count(n, corrupt);
    if (c + d >= n) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "no degree and threshold tolerate dropout=%s and corrupt=%s for n=%d, not even classic SecAgg"
              + " (k = n-1): correctness needs t <= n - floor(dropout*n) = %d but security needs"
              + " t > floor(corrupt*n) = %d", dropout, corrupt, n, n - d, c));
    }
    if (adversary == Adversary.MALICIOUS_SERVER && n - d < (n + c) / 2 + 1) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "no degree and threshold tolerate dropout=%s and corrupt=%s against a malicious server for n=%d: an unmask"
              + " needs more than (n + floor(corrupt*n)) / 2 = %.1f survivors, so that two survivor lists cannot both"
              + " be unmasked, and only %d remain", dropout, corrupt, n, (n + c) / 2.0, n - d));
    }
    for (int k = 2; k < n - 1; k += 2) {
      Result found = bestThreshold(n, d, c, k, sigma, eta, adversary);
      if (found != null) {
        return found;
      }
    }
    Result classic = bestThreshold(n, d, c, n - 1, sigma, eta, adversary); // always feasible if curious
    if (classic == null) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "no degree and threshold tolerate dropout=%s and corrupt=%s against a malicious server for n=%d, not"
              + " even classic SecAgg (k = n-1): it needs t > (n + floor(corrupt*n)) / 2 = %.1f and t <= n -"
              + " floor(dropout*n) - 1 = %d", dropout, corrupt, n, (n + c) / 2.0, n - d - 1));
    }
    return classic;
  }

  /** The failure bounds of a given (k, t), with {@code Result.neighbours() == k}. */
  public static Result evaluate(int n, int k, int t, double dropout, double corrupt) {
    return evaluate(n, k, t, dropout, corrupt, Adversary.CURIOUS_SERVER);
  }

  /** The failure bounds of a given (k, t) against {@code adversary}. */
  public static Result evaluate(int n, int k, int t, double dropout, double corrupt, Adversary adversary) {
    checkArguments(n, dropout, corrupt, DEFAULT_SIGMA, DEFAULT_ETA);
    checkGraph(n, k, t);
    int d = count(n, dropout);
    int c = count(n, corrupt);
    double correctness = adversary == Adversary.MALICIOUS_SERVER && n - d < (n + c) / 2 + 1
        ? 0.0 // the survivor minimum cannot be met after d dropouts
        : correctnessLog2(n, d, k, t, adversary);
    return new Result(k, t, correctness, securityLog2(n, c, d, k, t, adversary));
  }

  /**
   * Checks a hand-given (k, t) against the finder's guarantees (sigma = 40, eta = 20). A (k, t) that
   * fails them is refused unless {@code insecureAllowed} (for benchmarks against other systems).
   *
   * @return the failure bounds of (k, t)
   * @throws IllegalArgumentException if (k, t) is not a valid graph and threshold for n, or fails a
   *     condition and insecure parameters are not allowed; the message names the conditions that fail
   *     and what {@link #find} would choose
   */
  public static Result checkManual(int n, int k, int t, double dropout, double corrupt, boolean insecureAllowed) {
    return checkManual(n, k, t, dropout, corrupt, Adversary.CURIOUS_SERVER, insecureAllowed);
  }

  /** {@link #checkManual(int, int, int, double, double, boolean)} against {@code adversary}. */
  public static Result checkManual(int n, int k, int t, double dropout, double corrupt, Adversary adversary,
      boolean insecureAllowed) {
    Result given = evaluate(n, k, t, dropout, corrupt, adversary);
    int d = count(n, dropout);
    int c = count(n, corrupt);
    List<String> failures = new ArrayList<>();
    if (given.correctnessFailureLog2() > -DEFAULT_ETA) {
      failures.add(String.format(Locale.ROOT, "correctness: some client keeps fewer than t live shareholders"
          + " with probability up to 2^%.1f > 2^-%d", given.correctnessFailureLog2(), DEFAULT_ETA));
    }
    if (given.securityFailureLog2() > -DEFAULT_SIGMA) {
      // The sum exceeds 2^-sigma, so at least one of its two terms exceeds 2^-(sigma+1): name those.
      List<String> causes = new ArrayList<>();
      double shares = sharesLog2(n, c, k, t, adversary);
      if (shares > -DEFAULT_SIGMA - 1) {
        causes.add(String.format(Locale.ROOT, adversary == Adversary.CURIOUS_SERVER
            ? "shares (an honest client has t or more corrupt shareholders: 2^%.1f)"
            : "shares (an honest client has 2t - k - 1 or more corrupt shareholders, so a lying server could"
                + " rebuild both its secrets: 2^%.1f)", shares));
      }
      double cut = adversary == Adversary.CURIOUS_SERVER ? Double.NEGATIVE_INFINITY : cutLog2(n, c, k, t);
      if (cut > -DEFAULT_SIGMA - 1) {
        causes.add(String.format(Locale.ROOT, "cuts (a lying server that excludes honest clients at will splits the"
            + " survivors where 2t - k corrupt clients sit in two runs of k/2: 2^%.1f)", cut));
      }
      double disconnect = disconnectLog2(n, c + d, k);
      if (disconnect > -DEFAULT_SIGMA - 1) {
        causes.add(String.format(Locale.ROOT,
            "connectivity (dropped and corrupt clients split the honest survivors: 2^%.1f)", disconnect));
      }
      failures.add(String.format(Locale.ROOT, "security: privacy fails with probability up to 2^%.1f > 2^-%d"
          + " through %s", given.securityFailureLog2(), DEFAULT_SIGMA, String.join(" and ", causes)));
    }
    if (failures.isEmpty() || insecureAllowed) {
      return given;
    }
    String advice;
    try {
      Result best = find(n, dropout, corrupt, adversary);
      advice = "the finder would choose k=" + best.neighbours() + ", t=" + best.threshold();
    } catch (IllegalArgumentException e) {
      advice = "the finder finds no parameters either: " + e.getMessage();
    }
    throw new IllegalArgumentException(String.format(Locale.ROOT,
        "k=%d, t=%d is below the finder's guarantees for n=%d, dropout=%s, corrupt=%s: fails %s; %s",
        k, t, n, dropout, corrupt, String.join("; ", failures), advice));
  }

  // ---- the search ----

  /** The largest valid t for degree k, or null if there is none. */
  private static Result bestThreshold(int n, int d, int c, int k, int sigma, int eta, Adversary adversary) {
    if (disconnectLog2(n, c + d, k) > -sigma) {
      return null;
    }
    // Smallest secure t; t = k + 1 always is (a client holds one of its own k + 1 shares).
    int lo = 1;
    int hi = k + 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (securityLog2(n, c, d, k, mid, adversary) <= -sigma) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    if (securityLog2(n, c, d, k, lo, adversary) > -sigma || correctnessLog2(n, d, k, lo, adversary) > -eta) {
      return null; // (against a malicious server even t = k + 1 may be insecure)
    }
    hi = k + 1;
    while (lo < hi) { // largest correct t
      int mid = (lo + hi + 1) >>> 1;
      if (correctnessLog2(n, d, k, mid, adversary) <= -eta) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return new Result(k, lo, correctnessLog2(n, d, k, lo, adversary), securityLog2(n, c, d, k, lo, adversary));
  }

  // ---- the bounds (package-private for tests) ----

  /** log2 of the correctness bound (condition 1) with d dropouts. */
  static double correctnessLog2(int n, int d, int k, int t) {
    return correctnessLog2(n, d, k, t, Adversary.CURIOUS_SERVER);
  }

  static double correctnessLog2(int n, int d, int k, int t, Adversary adversary) {
    // A survivor's own share counts towards its secrets, but not towards the t confirmations it needs
    // from its neighbours in the consistency check.
    int liveCut = adversary == Adversary.CURIOUS_SERVER ? k - t + 2 : k - t + 1;
    double live = log2(n - d) + log2UpperTail(n - 1, d, k, liveCut);
    double dropped = d == 0 ? Double.NEGATIVE_INFINITY : log2(d) + log2UpperTail(n - 1, d - 1, k, k - t + 1);
    return log2Sum(live, dropped);
  }

  /** log2 of P_shares (condition 2) with c corrupt clients. */
  static double sharesLog2(int n, int c, int k, int t) {
    return sharesLog2(n, c, k, t, Adversary.CURIOUS_SERVER);
  }

  /** log2 of P_shares against {@code adversary}: t corrupt shareholders, or 2t - k - 1 against a liar. */
  static double sharesLog2(int n, int c, int k, int t, Adversary adversary) {
    int cut = adversary == Adversary.CURIOUS_SERVER ? t : 2 * t - k - 1;
    return log2(n) + log2UpperTail(n - 1, c, k, cut);
  }

  /** log2 of P_disconnect (condition 3) with {@code bad} clients dropped or corrupt. */
  static double disconnectLog2(int n, int bad, int k) {
    int b = Math.min(bad, n);
    if (k >= n - 1 || k > b) {
      return Double.NEGATIVE_INFINITY;
    }
    double lnPairs = Math.log(n) + Math.log(n - k - 1.0) - LN2;
    double lnAllBad = logFactorial(b) - logFactorial(b - k) + logFactorial(n - k) - logFactorial(n);
    return (lnPairs + lnAllBad) / LN2;
  }

  static double securityLog2(int n, int c, int d, int k, int t, Adversary adversary) {
    double security = log2Sum(sharesLog2(n, c, k, t, adversary), disconnectLog2(n, c + d, k));
    return adversary == Adversary.CURIOUS_SERVER ? security : log2Sum(security, cutLog2(n, c, k, t));
  }

  /**
   * log2 of P_cut: a lying server, which can exclude any honest client it likes (declare it dropped,
   * or withhold its shares), splits the honest survivors into groups it unmasks separately. Each cut
   * is a run of at least k/2 ring positions holding no honest survivor, and the honest survivors beside
   * it need t confirmations (or t answering shareholders) of which at most k/2 come from their own side:
   * t - k/2 corrupt clients among the k/2 positions next to them. A ring needs two cuts, so two disjoint
   * runs of k/2 positions hold at least 2t - k corrupt clients between them:
   * {@code n (n - k + 1) / 2 * P[Hyp(n, C, k) >= 2t - k]}. 0 with no corrupt client (2t > k + 1), and
   * for the complete graph, where the survivor minimum of {@link #minSurvivors} leaves one list only.
   */
  static double cutLog2(int n, int c, int k, int t) {
    if (k >= n - 1) {
      return Double.NEGATIVE_INFINITY;
    }
    int need = 2 * t - k;
    if (need <= 0) {
      return 0.0;
    }
    double pairs = log2(n) + log2(n - k + 1) - 1;
    return Math.min(0.0, pairs + log2UpperTail(n, c, k, need));
  }

  /**
   * The fewest survivors a malicious-server round may unmask: floor((n + C) / 2) + 1 for C corrupt
   * clients. Two lists shown to different clients would each need that many survivors, and an honest
   * survivor's self-mask seed can be rebuilt under one list only (2t > k + 1 and the shares bound),
   * so at most C survivors are common to both: 2 (floor((n + C) / 2) + 1) > n + C leaves no room.
   */
  public static int minSurvivors(int n, double corrupt) {
    checkArguments(n, 0, corrupt, DEFAULT_SIGMA, DEFAULT_ETA);
    return (n + count(n, corrupt)) / 2 + 1;
  }

  /**
   * log2 P[X >= atLeast] for X ~ Hyp(population, marked, draws). Sums the tail on the far side of the
   * mean (1 minus the lower tail otherwise), from the term next to the cut outwards, in log space.
   */
  static double log2UpperTail(int population, int marked, int draws, int atLeast) {
    int lo = Math.max(0, draws - (population - marked));
    int hi = Math.min(draws, marked);
    if (atLeast <= lo) {
      return 0.0;
    }
    if (atLeast > hi) {
      return Double.NEGATIVE_INFINITY;
    }
    double mean = (double) draws * marked / population;
    double others = (double) population - marked - draws; // may be negative
    if (atLeast > mean) { // upper tail: terms fall from atLeast (>= the mode) upwards
      double term = 1.0;
      double sum = 1.0;
      for (int x = atLeast; x < hi && term >= sum * NEGLIGIBLE; x++) {
        term *= (double) (marked - x) * (draws - x) / ((x + 1.0) * (others + x + 1.0));
        sum += term;
      }
      return (logPmf(population, marked, draws, atLeast) + Math.log(sum)) / LN2;
    }
    // lower tail P[X <= atLeast - 1]: terms fall from atLeast - 1 (<= the mode) downwards
    double term = 1.0;
    double sum = 1.0;
    for (int x = atLeast - 1; x > lo && term >= sum * NEGLIGIBLE; x--) {
      term *= x * (others + x) / ((marked - x + 1.0) * (draws - x + 1.0));
      sum += term;
    }
    double lower = Math.exp(logPmf(population, marked, draws, atLeast - 1) + Math.log(sum));
    return Math.log1p(-Math.min(lower, 1.0)) / LN2;
  }

  /** ln m!, from a table below 1024 and Stirling's series above (error below 1e-20 there). */
  static double logFactorial(int m) {
    if (m < TABLE) {
      return LOG_FACTORIAL[m];
    }
    double x = m;
    double inv = 1.0 / x;
    double inv2 = inv * inv;
    return x * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI * x)
        + inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 / 1260));
  }

  private static double logPmf(int population, int marked, int draws, int x) {
    return logChoose(marked, x) + logChoose(population - marked, draws - x) - logChoose(population, draws);
  }

  private static double logChoose(int a, int b) {
    return logFactorial(a) - logFactorial(b) - logFactorial(a - b);
  }

  private static double log2(double x) {
    return Math.log(x) / LN2;
  }

  private static double log2Sum(double a, double b) {
    double max = Math.max(a, b);
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    return max + Math.log1p(Math.pow(2, Math.min(a, b) - max)) / LN2;
  }

  // ---- arguments ----

  /** floor(fraction * n), at most n - 1. */
  /**
   * How many of n clients a fraction in [0, 0.5) stands for, as the finder counts dropouts D and corrupt
   * clients C (for example C in {@link #minSurvivors}).
   */
  public static int clientsAt(int n, double fraction) {
    checkArguments(n, fraction, 0, DEFAULT_SIGMA, DEFAULT_ETA);
    return count(n, fraction);
  }

  static int count(int n, double fraction) {
    return (int) Math.min(n - 1, Math.floor(fraction * n + COUNT_SLACK));
  }

  private static void checkArguments(int n, double dropout, double corrupt, int sigma, int eta) {
    if (n < 2) {
      throw new IllegalArgumentException("need at least 2 clients, got n=" + n);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("dropout fraction must be in [0, 1), got " + dropout);
    }
    if (!(corrupt >= 0 && corrupt < 1)) {
      throw new IllegalArgumentException("corrupt fraction must be in [0, 1), got " + corrupt);
    }
    if (sigma <= 0 || eta <= 0) {
      throw new IllegalArgumentException("sigma and eta must be positive, got sigma=" + sigma + ", eta=" + eta);
    }
  }

  private static void checkGraph(int n, int k, int t) {
    if (k != n - 1 && (k < 2 || k > n - 1 || k % 2 != 0)) {
      throw new IllegalArgumentException(
          "neighbours k must be even and in [2, n-1], or n-1 (classic SecAgg); got k=" + k + " for n=" + n);
    }
    if (t < 1 || t > k + 1) {
      throw new IllegalArgumentException("threshold t must be in [1, k+1] = [1, " + (k + 1) + "], got " + t);
    }
  }
}
