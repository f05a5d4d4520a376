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
  private long heldBytes;
  private long peakHeldBytes;

  void maskWords(long words) {
    maskWords += words;
  }

  void keyAgreement() {
    keyAgreements++;
  }

  public void keyGenerations(int count) {
    keyGenerations += count;
  }

  /** The engine now holds {@code bytes} more (negative: fewer) of vector data: running sum, staged chunks. */
  public void held(long bytes) {
    heldBytes += bytes;
    peakHeldBytes = Math.max(peakHeldBytes, heldBytes);
  }

  /** The most vector data the engine has held at once, in bytes. */
  public long peakHeldBytes() {
    return peakHeldBytes;
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
