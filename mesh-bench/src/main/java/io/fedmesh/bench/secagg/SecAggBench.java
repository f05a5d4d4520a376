package io.fedmesh.bench.secagg;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.agreement.X25519;
import io.fedmesh.crypto.agreement.X25519KeyPair;
import io.fedmesh.crypto.random.Randomness;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.secagg.InProcessRound;
import io.fedmesh.crypto.secagg.InProcessRound.Dropouts;
import io.fedmesh.crypto.secagg.InProcessRound.Outcome;
import io.fedmesh.crypto.secagg.InProcessRound.Timing;
import io.fedmesh.crypto.secagg.client.SecAggClient;
import io.fedmesh.crypto.secagg.shared.ParameterFinder;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.secagg.shared.WorkMeter;
import io.fedmesh.crypto.signature.SigningKey;
import java.util.function.IntFunction;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.NodeId;
import io.fedmesh.proto.v1.SecAggConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Whole secure-aggregation rounds in one process, timed per phase, next to what the same work must
 * cost at least, measured in the same run: the plaintext baseline (quantise every input and add it up)
 * plus every keystream byte at the measured AES-CTR rate plus every X25519 operation at its measured
 * cost. The ratio of the round's CPU to that bound says how much the engine adds beyond its
 * cryptography. Runs `fedmesh bench secagg`.
 */
public final class SecAggBench {

  /** When the dropped clients vanish. */
  public enum DropPhase {
    /** after sharing keys, before sending the masked input: their pairwise masks must be removed */
    BEFORE_MASKING(Phase.MASKED_INPUT),
    /** after sending the masked input, before answering the unmask request: in the sum, but silent */
    AFTER_MASKING(Phase.UNMASKING);

    final Phase dropBefore;

    DropPhase(Phase dropBefore) {
      this.dropBefore = dropBefore;
    }
  }

  /**
   * @param shares shareholders of each secret including its owner (k + 1), or null to derive
   * @param threshold shares needed (t), or null to derive
   */
  public record Options(int clients, int dim, double dropout, DropPhase dropPhase, Integer shares, Integer threshold,
      boolean insecureParams, double corrupt, int threads, long seed, boolean maliciousServer) {}

  static final int WEIGHT_BITS = 8;
  static final int CHUNK_WORDS = 1 << 18; // 1 MiB chunks
  static volatile int sink;

  private SecAggBench() {}

  public static SecAggBenchReport run(Options o) {
    int n = o.clients();
    int[] kt = parameters(o);
    // Malicious-server rounds: every client has an identity key, and the cohort lists their node ids.
    List<SigningKey> identities = new ArrayList<>();
    if (o.maliciousServer()) {
      SecureRandom keys = Randomness.strong();
      for (int c = 0; c < n; c++) {
        identities.add(SigningKey.generate(keys));
      }
    }
    IntFunction<SigningKey> identity = c -> o.maliciousServer() ? identities.get(c) : null;
    // A lying server must not unmask two lists: more than (n + C) / 2 survivors (protocol.md 5.7).
    int minSurvivors = identities.isEmpty() ? 0 : Math.max(kt[1], ParameterFinder.minSurvivors(n, o.corrupt()));
    SecAggParameters params = new SecAggParameters(config(n, kt[0], kt[1], o.dim(), identities, minSurvivors));
    SecAggParameters warmParams = new SecAggParameters(
        config(n, kt[0], kt[1], Math.max(1000, o.dim() / 16), identities, minSurvivors));
    Random data = new Random(o.seed());
    float[] update = new float[o.dim()];
    for (int i = 0; i < update.length; i++) {
      update[i] = (float) (data.nextDouble() * 2 - 1);
    }
    float[] warmUpdate = java.util.Arrays.copyOf(update, warmParams.vectorLength());
    long[] weights = new long[n];
    for (int c = 0; c < n; c++) {
      weights[c] = 1 + data.nextInt((1 << WEIGHT_BITS) - 1);
    }
    List<Integer> order = new ArrayList<>();
    for (int c = 0; c < n; c++) {
      order.add(c);
    }
    Collections.shuffle(order, data);
    Map<Integer, Phase> drops = new HashMap<>();
    int dropped = (int) Math.round(o.dropout() * n);
    for (int c : order.subList(0, dropped)) {
      drops.put(c, o.dropPhase().dropBefore);
    }
    Dropouts dropouts = new Dropouts(drops, Set.of());

    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    // Warm-up: the same n and parameters on a shorter vector, enough rounds that every per-client path
    // has run about 2,000 times and been compiled, not just interpreted.
    int warmRounds = Math.min(10, (2000 + n - 1) / n);
    for (int r = 0; r < warmRounds; r++) {
      InProcessRound.run(warmParams, c -> warmUpdate, weights, dropouts, c -> Randomness.strong(), identity,
          Timing.none(), o.threads());
    }

    System.gc();
    resetHeapPeaks();
    Timing timing = new Timing(threads::getCurrentThreadCpuTime, System::nanoTime);
    long wallStart = System.nanoTime();
    Outcome outcome = InProcessRound.run(params, c -> update, weights, dropouts, c -> Randomness.strong(), identity,
        timing, o.threads());
    long wallNanos = System.nanoTime() - wallStart;
    long heapPeak = heapPeak();

    WorkMeter.Work clientWork = new WorkMeter.Work(0, 0, 0);
    for (SecAggClient client : outcome.clients()) {
      clientWork = clientWork.plus(client.work());
    }
    WorkMeter.Work serverWork = outcome.server().work();
    int inputs = n - (o.dropPhase() == DropPhase.BEFORE_MASKING ? dropped : 0);
    Costs costs = measureCosts(params, update, weights, inputs);
    return new SecAggBenchReport(o, params, timing, wallNanos, outcome, clientWork, serverWork, costs, heapPeak);
  }

  /** (k, t): given by hand (and checked against the finder), or derived. */
  static int[] parameters(Options o) {
    if ((o.shares() == null) != (o.threshold() == null)) {
      throw new IllegalArgumentException("--shares and --threshold go together");
    }
    if (o.shares() != null) {
      int k = o.shares() - 1;
      ParameterFinder.checkManual(o.clients(), k, o.threshold(), o.dropout(), o.corrupt(), adversary(o), o.insecureParams());
      return new int[] {k, o.threshold()};
    }
    ParameterFinder.Result derived = ParameterFinder.find(o.clients(), o.dropout(), o.corrupt(), adversary(o));
    return new int[] {derived.neighbours(), derived.threshold()};
  }

  private static ParameterFinder.Adversary adversary(Options o) {
    return o.maliciousServer() ? ParameterFinder.Adversary.MALICIOUS_SERVER : ParameterFinder.Adversary.CURIOUS_SERVER;
  }

  /** The widest value that cannot overflow 32-bit words with n clients and 8-bit weights. */
  static int valueBits(int n) {
    long max = Integer.MAX_VALUE / ((long) n * ((1 << WEIGHT_BITS) - 1));
    int bits = 63 - Long.numberOfLeadingZeros(max + 1) + 1; // 2^(bits-1) - 1 <= max
    return Math.min(31 - WEIGHT_BITS, Math.max(2, bits));
  }

  static SecAggConfig config(int n, int k, int t, int m, List<SigningKey> identities, int minSurvivors) {
    SecAggConfig.Builder b = SecAggConfig.newBuilder()
        .setFederation(FederationId.newBuilder().setName("bench"))
        .setRound(1).setVectorLength(m).setNeighbours(k).setThreshold(t)
        .setClip(1.0).setValueBits(valueBits(n)).setWeightBits(WEIGHT_BITS).setChunkWords(CHUNK_WORDS)
        .setMaliciousServer(!identities.isEmpty()).setMinSurvivors(minSurvivors);
    if (!identities.isEmpty()) {
      // The bench plays the coordinator: a fixed id and a fresh nonce, as a real one would draw.
      byte[] nonce = new byte[16];
      new java.security.SecureRandom().nextBytes(nonce);
      b.setCoordinator(NodeId.newBuilder().setSha256(ByteString.copyFrom(new byte[32]))).setRoundNonce(ByteString.copyFrom(nonce));
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (int c = 0; c < n; c++) {
        byte[] id = identities.isEmpty() ? sha.digest(ByteBuffer.allocate(4).putInt(c).array())
            : identities.get(c).verifyingKey().nodeId().toBytes();
        b.addCohort(NodeId.newBuilder().setSha256(ByteString.copyFrom(id)));
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    return b.build();
  }

  /** Unit costs measured now, on this machine: the baseline and the bound are from the same run. */
  record Costs(double plaintextCpuS, double aesCtrBytesPerS, double agreementS, double keyGenerationS) {}

  static Costs measureCosts(SecAggParameters params, float[] update, long[] weights, int inputs) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    plaintextSum(params, update, weights, inputs); // warm-up pass
    long start = threads.getCurrentThreadCpuTime();
    sink = plaintextSum(params, update, weights, inputs); // used, so the JIT cannot drop the work
    double plaintext = (threads.getCurrentThreadCpuTime() - start) / 1e9;
    return new Costs(plaintext, aesCtrRate(threads), x25519Agreement(threads), x25519KeyGeneration(threads));
  }

  /** Quantises each submitted input and adds it into a sum, as a server without masks would. */
  private static int plaintextSum(SecAggParameters params, float[] update, long[] weights, int inputs) {
    SecureRandom random = SimulationRandom.fromSeed(1);
    int[] buffer = new int[params.vectorLength()];
    int[] sum = new int[params.vectorLength()];
    for (int c = 0; c < inputs; c++) {
      params.quantizer().quantizeInto(update, weights[c], random, buffer);
      for (int i = 0; i < sum.length; i++) {
        sum[i] += buffer[i];
      }
    }
    return sum[0];
  }

  private static double aesCtrRate(ThreadMXBean threads) {
    try {
      Cipher cipher = Cipher.getInstance("AES/CTR/NoPadding", "SunJCE");
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(new byte[32], "AES"), new IvParameterSpec(new byte[16]));
      byte[] in = new byte[64 * 1024];
      byte[] out = new byte[in.length];
      long bytes = 256L << 20;
      long start = threads.getCurrentThreadCpuTime();
      for (long done = 0; done < bytes; done += in.length) {
        cipher.update(in, 0, in.length, out, 0);
      }
      return bytes / ((threads.getCurrentThreadCpuTime() - start) / 1e9);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static double x25519Agreement(ThreadMXBean threads) {
    SecureRandom random = SimulationRandom.fromSeed(2);
    X25519KeyPair a = X25519.generate(random);
    X25519KeyPair b = X25519.generate(random);
    return cpuSecondsPerOp(threads, () -> X25519.agree(a.privateKey(), b.publicKey()));
  }

  private static double x25519KeyGeneration(ThreadMXBean threads) {
    SecureRandom random = SimulationRandom.fromSeed(3);
    return cpuSecondsPerOp(threads, () -> X25519.generate(random));
  }

  /** CPU seconds of one call of {@code op}: 4,000 calls to warm up, then 4,000 timed. */
  private static double cpuSecondsPerOp(ThreadMXBean threads, Runnable op) {
    int ops = 4000;
    for (int i = 0; i < ops; i++) {
      op.run();
    }
    long start = threads.getCurrentThreadCpuTime();
    for (int i = 0; i < ops; i++) {
      op.run();
    }
    return (threads.getCurrentThreadCpuTime() - start) / 1e9 / ops;
  }

  private static void resetHeapPeaks() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
  }

  private static long heapPeak() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }
}
