package io.fedmesh.crypto.secagg.shared;

/**
 * Counts an engine's expensive work, so a benchmark can compare measured time with what that work
 * must cost (keystream bytes at the AES-CTR rate, public-key operations at their measured cost), and
 * a node can export it as metrics. Not thread-safe: each engine updates its own under its lock.
 */
public final class WorkMeter {
  private long maskWords;
  private long keyAgreements;
  private long keyGenerations;
  private int vectorBuffers;

  void maskWords(long words) {
    maskWords += words;
  }

  void keyAgreement() {
    keyAgreements++;
  }

  public void keyGenerations(int count) {
    keyGenerations += count;
  }

  /** One more vector-sized buffer held at once (the server's running sum and its upload staging). */
  public void vectorBuffer() {
    vectorBuffers++;
  }

  /** Vector-sized buffers allocated: times 4 (m + 1) bytes, the engine's memory for vectors. */
  public int vectorBuffers() {
    return vectorBuffers;
  }

  /** A copy of the counts so far. */
  public Work snapshot() {
    return new Work(maskWords, keyAgreements, keyGenerations);
  }

  /** Work done: 32-bit mask words generated, X25519 agreements, X25519 key pairs made. */
  public record Work(long maskWords, long keyAgreements, long keyGenerations) {
    public Work plus(Work o) {
      return new Work(maskWords + o.maskWords, keyAgreements + o.keyAgreements, keyGenerations + o.keyGenerations);
    }
  }
}
