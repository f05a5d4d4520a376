package io.fedmesh.crypto.secagg.shared;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Masked words on the wire: little-endian 32-bit integers, as the mask generator reads its keystream. */
public final class Words {
  private Words() {}

  public static ByteString encode(int[] words, int from, int to) {
    ByteBuffer out = ByteBuffer.allocate((to - from) * 4).order(ByteOrder.LITTLE_ENDIAN);
    out.asIntBuffer().put(words, from, to - from);
    // The array is ours alone and never written again: wrapping it saves copying every masked input.
    return UnsafeByteOperations.unsafeWrap(out.array());
  }

  /** Copies the words in {@code bytes} into {@code into[from..)}. */
  public static void copyInto(ByteString bytes, int[] into, int from) {
    bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(into, from, bytes.size() / 4);
  }
}
