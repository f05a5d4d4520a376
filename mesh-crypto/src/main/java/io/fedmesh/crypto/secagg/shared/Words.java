package io.fedmesh.crypto.secagg.shared;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Masked words on the wire: little-endian 32-bit integers, as the mask generator reads its keystream. */
public final class Words {
  private Words() {}

  public static ByteString encode(int[] words, int from, int to) {
    ByteBuffer out = ByteBuffer.allocate((to - from) * 4).order(ByteOrder.LITTLE_ENDIAN);
    out.asIntBuffer().put(words, from, to - from);
    return ByteString.copyFrom(out.array());
  }

  /** Adds the words in {@code bytes} into {@code acc[from..)}, modulo 2^32. */
  public static void addInto(ByteString bytes, int[] acc, int from) {
    var in = bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
    int n = in.remaining();
    for (int i = 0; i < n; i++) {
      acc[from + i] += in.get(i);
    }
  }
}
