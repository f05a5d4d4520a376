package io.fedmesh.ml.data;

import java.util.Random;

/** Seeded permutations, so every partition and epoch order is reproducible. */
public final class Shuffle {
  private Shuffle() {}

  /** 0 .. n-1 in an order drawn from {@code random} (Fisher-Yates). */
  public static int[] permutation(int n, Random random) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    shuffle(p, random);
    return p;
  }

  public static void shuffle(int[] a, Random random) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
