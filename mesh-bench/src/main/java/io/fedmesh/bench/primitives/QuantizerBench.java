package io.fedmesh.bench.primitives;

import io.fedmesh.crypto.quantize.Modulus;
import io.fedmesh.crypto.quantize.Quantizer;
import io.fedmesh.crypto.random.SimulationRandom;
import java.security.SecureRandom;
import java.util.SplittableRandom;
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
 * {@link Quantizer} (stochastic rounding with range validation, weight 200) over 1,048,576 floats in
 * [-1, 1], into 32-bit and 64-bit words, and a deterministic floor loop as the baseline. One operation
 * is one value and the unit is ops/us, i.e. million values per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class QuantizerBench {
  static final int VALUES = 1 << 20;
  private static final long WEIGHT = 200;

  private final Quantizer narrow = new Quantizer(1.0, 16, 8, Modulus.BITS_32);
  private final Quantizer wide = new Quantizer(1.0, 24, 8, Modulus.BITS_64);
  // The same effective scale as the 32-bit quantiser: (2^15 - 1) / clip * weight.
  private final double baselineScale = ((1 << 15) - 1) * (double) WEIGHT;
  private final float[] values = new float[VALUES];
  private SecureRandom random;

  @Setup(Level.Trial)
  public void setUp() {
    SplittableRandom data = new SplittableRandom(42);
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) data.nextDouble(-1.0, 1.0);
    }
    // The quantiser draws one long per call from it, so its cost is noise; it only fixes the stream.
    random = SimulationRandom.fromSeed(1);
  }

  @Benchmark
  @OperationsPerInvocation(VALUES)
  public int[] quantize() {
    return narrow.quantize(values, WEIGHT, random);
  }

  @Benchmark
  @OperationsPerInvocation(VALUES)
  public long[] quantizeWide() {
    return wide.quantizeWide(values, WEIGHT, random);
  }

  /** Allocates its output like the quantiser does, so the ratio isolates rounding and validation. */
  @Benchmark
  @OperationsPerInvocation(VALUES)
  public int[] floorBaseline() {
    int[] out = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (int) Math.floor(values[i] * baselineScale);
    }
    return out;
  }
}
