package io.fedmesh.crypto.mask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.crypto.InvalidKeyMaterialException;
import io.fedmesh.crypto.kdf.Hkdf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.SICBlockCipher;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.junit.jupiter.api.Test;

class MaskGeneratorTest {

  private static final byte[] SEED = seed(1);
  // Crosses several 64 KiB keystream chunks, and ends off a block boundary.
  private static final int WORDS = 3 * 16384 + 4099;

  @Test
  void wordsAreTheDocumentedAesCtrKeystreamFromAnIndependentImplementation() {
    int[] words = new int[WORDS];
    new MaskGenerator(SEED, "pairwise").next(words, 0, WORDS);

    // Bouncy Castle's AES engine in counter mode: a second AES-CTR sharing no code with SunJCE.
    byte[] key = Hkdf.derive(SEED, null, "fedmesh mask v1\0pairwise".getBytes(StandardCharsets.US_ASCII), 32);
    var ctr = SICBlockCipher.newInstance(AESEngine.newInstance());
    ctr.init(true, new ParametersWithIV(new KeyParameter(key), new byte[16]));
    byte[] keystream = new byte[WORDS * 4];
    ctr.processBytes(new byte[WORDS * 4], 0, WORDS * 4, keystream, 0);
    int[] expected = new int[WORDS];
    ByteBuffer.wrap(keystream).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(expected);

    assertThat(words).isEqualTo(expected);
  }

  @Test
  void maskingInChunksEqualsMaskingWhole() {
    int[] whole = new int[WORDS];
    new MaskGenerator(SEED, "self").addTo(whole, 0, WORDS);

    Random random = new Random(5);
    int[] chunked = new int[WORDS];
    MaskGenerator generator = new MaskGenerator(SEED, "self");
    for (int at = 0; at < WORDS; ) {
      int to = Math.min(WORDS, at + 1 + random.nextInt(20000)); // odd sizes, across block and chunk edges
      generator.addTo(chunked, at, to);
      at = to;
    }

    assertThat(chunked).isEqualTo(whole);
    assertThat(generator.bytesProduced()).isEqualTo(WORDS * 4L);
  }

  @Test
  void subtractingTheSameMaskRestoresTheInput() {
    int[] input = new Random(3).ints(WORDS).toArray();
    int[] masked = input.clone();
    new MaskGenerator(SEED, "pairwise").addTo(masked, 0, WORDS);
    assertThat(masked).isNotEqualTo(input);

    new MaskGenerator(SEED, "pairwise").subtractFrom(masked, 0, WORDS);

    assertThat(masked).isEqualTo(input);
  }

  @Test
  void sixtyFourBitWordsAreTheSameKeystreamReadEightBytesAtATime() {
    long[] wide = new long[WORDS / 2];
    new MaskGenerator(SEED, "pairwise").next(wide, 0, wide.length);
    int[] narrow = new int[WORDS / 2 * 2];
    new MaskGenerator(SEED, "pairwise").next(narrow, 0, narrow.length);

    for (int i = 0; i < wide.length; i++) {
      assertThat(wide[i]).isEqualTo((narrow[2 * i] & 0xFFFFFFFFL) | ((long) narrow[2 * i + 1] << 32));
    }
    long[] acc = new long[wide.length];
    new MaskGenerator(SEED, "pairwise").addTo(acc, 0, acc.length);
    new MaskGenerator(SEED, "pairwise").subtractFrom(acc, 0, acc.length);
    assertThat(acc).containsOnly(0L);
  }

  @Test
  void seedAndPurposeEachChangeTheWholeStream() {
    int[] a = new int[64];
    int[] b = new int[64];
    int[] c = new int[64];
    new MaskGenerator(SEED, "pairwise").next(a, 0, 64);
    new MaskGenerator(SEED, "self").next(b, 0, 64);
    new MaskGenerator(seed(2), "pairwise").next(c, 0, 64);

    for (int i = 0; i < 64; i++) {
      assertThat(a[i]).isNotEqualTo(b[i]).isNotEqualTo(c[i]);
    }
  }

  @Test
  void refusesBadSeedsAndRanges() {
    assertThatThrownBy(() -> new MaskGenerator(new byte[16], "self"))
        .isInstanceOf(InvalidKeyMaterialException.class).hasMessage("mask seed must be 32 bytes, got 16");
    MaskGenerator generator = new MaskGenerator(SEED, "self");
    assertThatThrownBy(() -> generator.addTo(new int[4], 2, 5)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThat(generator.bytesProduced()).isZero();
  }

  private static byte[] seed(int n) {
    byte[] s = new byte[32];
    s[0] = (byte) n;
    return s;
  }
}
