package io.fedmesh.ml.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Partitions are complete, disjoint, reproducible, and skewed the way they say. */
class PartitionerTest {
  private static final Dataset DATA = tenClasses(5000);

  private static Dataset tenClasses(int rows) {
    int[] labels = IntStream.range(0, rows).map(i -> i % 10).toArray();
    return new Dataset(new float[rows], labels, new int[] {1}, 10);
  }

  private static void assertCompleteAndDisjoint(int[][] parts, int rows) {
    int[] all = Arrays.stream(parts).flatMapToInt(Arrays::stream).sorted().toArray();
    assertThat(all).containsExactly(IntStream.range(0, rows).toArray());
    assertThat(Arrays.stream(parts).allMatch(p -> p.length > 0)).isTrue();
  }

  /** Mean over clients of the share of a client's rows in its most common class. */
  private static double dominance(int[][] parts) {
    return Arrays.stream(parts).mapToDouble(p -> {
      int[] counts = new int[10];
      for (int row : p) {
        counts[DATA.label(row)]++;
      }
      return (double) Arrays.stream(counts).max().orElseThrow() / p.length;
    }).average().orElseThrow();
  }

  @Test
  void everyPartitionerCoversEveryRowOnceAndIsReproducible() {
    for (String form : new String[] {"iid", "dirichlet:0.5", "quantity:0.5"}) {
      Partitioner p = Partitioner.parse(form);
      int[][] a = p.split(DATA, 10, new Random(3));
      assertCompleteAndDisjoint(a, DATA.size());
      assertThat(p.split(DATA, 10, new Random(3))).isDeepEqualTo(a);
      assertThat(p.describe()).isEqualTo(form);
    }
  }

  @Test
  void smallAlphaSkewsLabelsAndSizesLargeAlphaDoesNot() {
    double iid = dominance(new IidPartitioner().split(DATA, 10, new Random(1)));
    double skewed = dominance(new DirichletPartitioner(0.1).split(DATA, 10, new Random(1)));
    double mild = dominance(new DirichletPartitioner(100).split(DATA, 10, new Random(1)));
    assertThat(iid).isLessThan(0.15);
    assertThat(mild).isLessThan(0.2);
    assertThat(skewed).isGreaterThan(0.5);

    int[] sizes = Arrays.stream(new QuantitySkewPartitioner(0.3).split(DATA, 10, new Random(1))).mapToInt(p -> p.length).toArray();
    assertThat(Arrays.stream(sizes).max().orElseThrow()).isGreaterThan(4 * Arrays.stream(sizes).min().orElseThrow());
    assertThat(dominance(new QuantitySkewPartitioner(0.3).split(DATA, 10, new Random(1)))).isLessThan(0.3);
  }

  @Test
  void badFormsAndImpossibleSplitsAreRefusedWithAReason() {
    assertThatThrownBy(() -> Partitioner.parse("dirichlet:abc")).hasMessageContaining("'abc' is not a number");
    assertThatThrownBy(() -> Partitioner.parse("dirichlet:-1")).hasMessageContaining("alpha must be positive");
    assertThatThrownBy(() -> Partitioner.parse("shards")).hasMessageContaining("is not one of iid, dirichlet:ALPHA, quantity:ALPHA");
    assertThatThrownBy(() -> new IidPartitioner().split(tenClasses(5), 6, new Random(1))).hasMessageContaining("5 rows cannot give each of 6");
  }
}
