package io.fedmesh.bench.primitives;

import java.security.GeneralSecurityException;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Baseline for {@link MaskGeneratorBench}: raw SunJCE AES-256-CTR keystream, 64 KiB per {@code update}
 * call, 4 MiB per invocation. One operation is one byte and the unit is ops/ns, so the score reads
 * directly as GB/s (10^9 bytes per second).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AesCtrBench {
  static final int CHUNK_BYTES = 64 * 1024;
  static final int BYTES_PER_INVOCATION = 4 * 1024 * 1024;

  private final byte[] zeros = new byte[CHUNK_BYTES];
  private final byte[] out = new byte[CHUNK_BYTES];
  private Cipher cipher;

  @Setup(Level.Trial)
  public void setUp() throws GeneralSecurityException {
    byte[] key = new byte[32];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (i + 1);
    }
    // By provider name: with Bouncy Castle registered first a plain getInstance may return its far slower AES.
    cipher = Cipher.getInstance("AES/CTR/NoPadding", "SunJCE");
    cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
  }

  @Benchmark
  @OperationsPerInvocation(BYTES_PER_INVOCATION)
  public byte[] sunJceCtr() throws ShortBufferException {
    // 64 KiB per call, as MaskGenerator does: multi-megabyte calls fall off the intrinsic (BUILD-NOTES.md).
    for (int done = 0; done < BYTES_PER_INVOCATION; done += CHUNK_BYTES) {
      cipher.update(zeros, 0, CHUNK_BYTES, out, 0);
    }
    return out;
  }
}
