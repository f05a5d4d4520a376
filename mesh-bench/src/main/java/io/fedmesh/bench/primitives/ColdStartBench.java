package io.fedmesh.bench.primitives;

import io.fedmesh.crypto.mask.MaskGenerator;
import java.security.GeneralSecurityException;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a participant sees: the first 256 MiB of mask in a fresh JVM (about 64 masks of a 1M-parameter
 * model), with no benchmark warm-up. Raw SunJCE AES-CTR in 64 KiB calls stays off its intrinsic for
 * thousands of calls; {@link MaskGenerator} warms the intrinsic once when its class loads, and that
 * one-time cost is inside its score. Each sample is a new JVM, so the scores are whole-job times.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(5)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
public class ColdStartBench {
  static final int WORDS = 1 << 20;
  static final int MASKS = 64;

  @Benchmark
  public int[] rawSunJceCtrCold() throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/CTR/NoPadding", "SunJCE");
    cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(new byte[32], "AES"), new IvParameterSpec(new byte[16]));
    byte[] zeros = new byte[MaskGenerator.MAX_CHUNK_BYTES];
    byte[] keystream = new byte[MaskGenerator.MAX_CHUNK_BYTES];
    int[] acc = new int[WORDS];
    for (int mask = 0; mask < MASKS; mask++) {
      for (int off = 0; off < WORDS * 4; off += zeros.length) {
        cipher.update(zeros, 0, zeros.length, keystream, 0);
        acc[off >>> 2] += keystream[0]; // touch the output so the work cannot be skipped
      }
    }
    return acc;
  }

  @Benchmark
  public int[] maskGeneratorCold() {
    MaskGenerator generator = new MaskGenerator(new byte[32], "pairwise");
    int[] acc = new int[WORDS];
    for (int mask = 0; mask < MASKS; mask++) {
      generator.addTo(acc, 0, WORDS);
    }
    return acc;
  }
}
