package io.fedmesh.bench.primitives;

import io.fedmesh.crypto.mask.MaskGenerator;
import java.util.concurrent.TimeUnit;
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
 * {@link MaskGenerator#addTo} over a 4 MiB accumulator per invocation, as 32-bit and as 64-bit words.
 * One operation is one byte of mask and the unit is ops/ns, i.e. GB/s, comparable with {@link AesCtrBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MaskGeneratorBench {
  private static final int BYTES = AesCtrBench.BYTES_PER_INVOCATION;

  private final int[] acc32 = new int[BYTES / Integer.BYTES];
  private final long[] acc64 = new long[BYTES / Long.BYTES];
  private MaskGenerator generator;

  @Setup(Level.Trial)
  public void setUp() {
    byte[] seed = new byte[MaskGenerator.SEED_BYTES];
    for (int i = 0; i < seed.length; i++) {
      seed[i] = (byte) (i + 1);
    }
    // Once per trial is enough: the counter keeps advancing, so every invocation gets fresh keystream.
    generator = new MaskGenerator(seed, "pairwise");
  }

  @Benchmark
  @OperationsPerInvocation(BYTES)
  public int[] addTo32() {
    generator.addTo(acc32, 0, acc32.length);
    return acc32;
  }

  @Benchmark
  @OperationsPerInvocation(BYTES)
  public long[] addTo64() {
    generator.addTo(acc64, 0, acc64.length);
    return acc64;
  }
}
