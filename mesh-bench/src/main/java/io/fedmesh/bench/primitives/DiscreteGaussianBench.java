package io.fedmesh.bench.primitives;

import io.fedmesh.crypto.noise.DiscreteGaussian;
import io.fedmesh.crypto.noise.UniformIntegers;
import io.fedmesh.crypto.random.Randomness;
import io.fedmesh.crypto.random.SimulationRandom;
import java.math.BigDecimal;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Exact discrete Gaussian noise ({@link DiscreteGaussian}) for a vector of {@value #LENGTH} coordinates,
 * one thread. One operation is one sample and the unit is ops/us, so the score reads as million samples
 * per second. {@code source} is the JDK DRBG of production ({@code drbg}) or the AES-CTR
 * {@link SimulationRandom} ({@code simulation}); the gap between them is the DRBG's share of the cost.
 * Not part of BenchMain's default table: run it with {@code java -jar benchmarks.jar DiscreteGaussianBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class DiscreteGaussianBench {
  static final int LENGTH = 65_536;

  @Param({"1", "10", "1000", "1000000"})
  public String sigma;

  @Param({"drbg", "simulation"})
  public String source;

  private DiscreteGaussian gaussian;
  private UniformIntegers random;

  @Setup(Level.Trial)
  public void setUp() {
    gaussian = DiscreteGaussian.ofSigma(new BigDecimal(sigma));
    random = new UniformIntegers(source.equals("drbg") ? Randomness.strong() : SimulationRandom.fromSeed(1));
  }

  @Benchmark
  @OperationsPerInvocation(LENGTH)
  public long[] vector() {
    return gaussian.sample(random, LENGTH);
  }
}
