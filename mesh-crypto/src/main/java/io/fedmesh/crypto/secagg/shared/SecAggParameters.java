package io.fedmesh.crypto.secagg.shared;

import io.fedmesh.crypto.envelope.Envelopes;
import io.fedmesh.crypto.quantize.Modulus;
import io.fedmesh.crypto.quantize.Quantizer;
import io.fedmesh.proto.v1.SecAggConfig;
import java.util.HashSet;
import java.util.Set;

/**
 * The checked parameters of one secure-aggregation round (from {@link SecAggConfig}). Construction
 * refuses anything that could not work: a graph degree or threshold out of range, or quantisation
 * whose sum over the whole cohort could wrap around the 32-bit modulus.
 */
public final class SecAggParameters {
  public static final int MAX_CLIENTS = 100_000;
  public static final int MIN_ROUND_NONCE_BYTES = 16;
  public static final int MAX_ROUND_NONCE_BYTES = 64;
  /**
   * The largest gRPC message a node accepts (gRPC's default, 4 MiB): a masked-input chunk travels in
   * one signed envelope, so the envelope must fit.
   */
  public static final int MAX_MESSAGE_BYTES = 4 << 20;
  /**
   * Room left in a message for everything around a chunk's words: the envelope's ids, federation
   * name, time, kind and signature, and the round and chunk fields (under 300 bytes; tested at the cap).
   */
  public static final int ENVELOPE_HEADROOM_BYTES = 4096;
  /** 1,047,552 words: a chunk at the cap, wrapped in a signed envelope, still fits {@link #MAX_MESSAGE_BYTES}. */
  public static final int MAX_CHUNK_WORDS = (MAX_MESSAGE_BYTES - ENVELOPE_HEADROOM_BYTES) / 4;

  private final SecAggConfig config;
  private final Quantizer quantizer;
  private final byte[] canonicalConfig;
  private final byte[] digest;

  /** @throws IllegalArgumentException naming the first parameter that is out of range */
  public SecAggParameters(SecAggConfig config) {
    int n = config.getCohortCount();
    if (n < 2 || n > MAX_CLIENTS) {
      throw new IllegalArgumentException("cohort must have 2 to " + MAX_CLIENTS + " clients, has " + n);
    }
    Set<com.google.protobuf.ByteString> ids = new HashSet<>();
    for (var id : config.getCohortList()) {
      if (id.getSha256().size() != 32 || !ids.add(id.getSha256())) {
        throw new IllegalArgumentException("cohort node ids must be 32 bytes and distinct");
      }
    }
    if (!Envelopes.FEDERATION_NAME.matcher(config.getFederation().getName()).matches() || config.getRound() == 0) {
      throw new IllegalArgumentException("config must name a valid federation and a round >= 1");
    }
    int k = config.getNeighbours();
    if (k < 1 || k > n - 1 || (k % 2 != 0 && k != n - 1)) {
      throw new IllegalArgumentException(
          "neighbours k must be even and in [2, n-1], or n-1 (classic SecAgg); got k=" + k + " for n=" + n);
    }
    int t = config.getThreshold();
    if (t < 1 || t > k + 1) {
      throw new IllegalArgumentException("threshold t must be in [1, k+1] = [1, " + (k + 1) + "], got " + t);
    }
    if (config.getMaliciousServer() && 2 * t <= k + 1) {
      // Shareholders told different survivor lists reveal one share each: t of each secret would need
      // only 2t honest shareholders, so a lying server would rebuild both secrets of any client.
      throw new IllegalArgumentException("a malicious-server round needs 2t > k + 1, got k=" + k + ", t=" + t);
    }
    boolean identified = config.hasCoordinator() || !config.getRoundNonce().isEmpty();
    if ((config.getMaliciousServer() || identified) && (config.getCoordinator().getSha256().size() != 32
        || config.getRoundNonce().size() < MIN_ROUND_NONCE_BYTES || config.getRoundNonce().size() > MAX_ROUND_NONCE_BYTES)) {
      throw new IllegalArgumentException("a malicious-server round (or one that names them) needs its coordinator's node id"
          + " (32 bytes) and a round nonce of " + MIN_ROUND_NONCE_BYTES + " to " + MAX_ROUND_NONCE_BYTES
          + " bytes, so that two instances of one round cannot mix");
    }
    int minSurvivors = config.getMinSurvivors();
    if (minSurvivors != 0 && (!config.getMaliciousServer() || minSurvivors <= n / 2 || minSurvivors < t || minSurvivors > n)) {
      throw new IllegalArgumentException("min_survivors is for malicious-server rounds and must be in (n/2, n] and at least t;"
          + " got " + minSurvivors + " for n=" + n + ", t=" + t);
    }
    if (config.getVectorLength() < 1 || config.getVectorLength() > Integer.MAX_VALUE - 1) {
      throw new IllegalArgumentException("vector_length must be at least 1");
    }
    if (config.getChunkWords() < 1 || config.getChunkWords() > MAX_CHUNK_WORDS) {
      throw new IllegalArgumentException("chunk_words must be in [1, " + MAX_CHUNK_WORDS + "], got " + config.getChunkWords());
    }
    int integerBits = config.getIntegerBits();
    if (integerBits > 32 || integerBits > 0 && config.getWeightBits() != 0) {
      throw new IllegalArgumentException("integer_bits must be in [0, 32], and an integer-mode round has unit weights"
          + " (weight_bits 0); got integer_bits " + integerBits + ", weight_bits " + config.getWeightBits());
    }
    this.quantizer = new Quantizer(config.getClip(), config.getValueBits(), config.getWeightBits(), Modulus.BITS_32);
    // Every client might survive: the sum of n encodings must fit, and so must the sum of n weights.
    quantizer.checkCapacity(n);
    this.config = config;
    this.canonicalConfig = io.fedmesh.proto.canonical.CanonicalEncoding.encode(config);
    try {
      this.digest = java.security.MessageDigest.getInstance("SHA-256").digest(canonicalConfig);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The canonical encoding of the config (computed once: the graph seed and the digest use it). */
  public byte[] canonicalConfig() {
    return canonicalConfig.clone();
  }

  /** SHA-256 of the canonical encoding of the config: what signed advertisements bind to. */
  public byte[] digest() {
    return digest.clone();
  }

  public SecAggConfig config() {
    return config;
  }

  /**
   * 0: clients' inputs are floats this round's quantiser encodes. 1 to 32: clients encode their inputs
   * themselves as integers mod 2^integerBits (each weighs 1), and the sum is of those integers.
   */
  public int integerBits() {
    return config.getIntegerBits();
  }

  /** Malicious-server mode: signed advertisements, graph nonces and the consistency check. */
  public boolean maliciousServer() {
    return config.getMaliciousServer();
  }

  public int clients() {
    return config.getCohortCount();
  }

  public int neighbours() {
    return config.getNeighbours();
  }

  public int threshold() {
    return config.getThreshold();
  }

  /**
   * The fewest survivors an unmask may name: in malicious-server mode min_survivors (default
   * floor(n / 2) + 1, and never below t), otherwise t. More than half the cohort, so two survivor
   * lists shown to different clients cannot both be unmasked.
   */
  public int minSurvivors() {
    if (!maliciousServer()) {
      return threshold();
    }
    int configured = config.getMinSurvivors();
    return Math.max(threshold(), configured != 0 ? configured : clients() / 2 + 1);
  }

  public long round() {
    return config.getRound();
  }

  /** m: the update's length. */
  public int vectorLength() {
    return config.getVectorLength();
  }

  /** m + 1: the update and, last, the weight. */
  public int words() {
    return config.getVectorLength() + 1;
  }

  public int chunkWords() {
    return config.getChunkWords();
  }

  public int chunkCount() {
    return (int) ((words() + (long) chunkWords() - 1) / chunkWords());
  }

  /** Words in chunk {@code index}: chunkWords, fewer in the last. */
  public int wordsInChunk(int index) {
    return Math.min(chunkWords(), words() - index * chunkWords());
  }

  public Quantizer quantizer() {
    return quantizer;
  }

  /**
   * A client's weight from its number of training samples: min(samples / cap, 1), quantised to
   * weight_bits (rounded to nearest), so no single client outweighs the others by more than the cap
   * allows and the weight fits the overflow bound. A client with samples has weight at least 1.
   *
   * @throws IllegalArgumentException if samples is negative or cap is not positive
   */
  public long weightFor(long samples, long cap) {
    if (samples < 0 || cap <= 0) {
      throw new IllegalArgumentException("samples must be >= 0 and cap > 0, got " + samples + " and " + cap);
    }
    long max = quantizer.maxWeight();
    if (samples >= cap) {
      return max;
    }
    long w = Math.round((double) samples / cap * max);
    return samples > 0 ? Math.max(1, w) : 0;
  }

  public String federation() {
    return config.getFederation().getName();
  }
}
