package io.fedmesh.crypto.secagg.shared;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Masked words on the wire: little-endian 32-bit integers, as the mask generator reads its keystream. */
public final class Words {
  private Words() {}

  /**
   * Writes {@code block[0, len)}, which holds words {@code [first, first + len)} of a vector, into that
   * vector's chunks (little-endian bytes, {@code chunkWords} words each), splitting at chunk edges.
   */
  public static void write(int[] block, int len, long first, byte[][] chunks, int chunkWords) {
    int done = 0;
    while (done < len) {
      long word = first + done;
      int chunk = (int) (word / chunkWords);
      int offset = (int) (word % chunkWords);
      int n = Math.min(len - done, chunkWords - offset);
      ByteBuffer.wrap(chunks[chunk], offset * 4, n * 4).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().put(block, done, n);
      done += n;
    }
  }

  /** Wraps a finished chunk without copying: the array must never be written again. */
  public static ByteString wrap(byte[] chunk) {
    return UnsafeByteOperations.unsafeWrap(chunk);
  }

  /** Adds the words in {@code bytes} into {@code acc[from..)}, modulo 2^32. */
  public static void addInto(ByteString bytes, int[] acc, int from) {
    ByteBuffer in = bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    int n = bytes.size() / 4;
    for (int i = 0; i < n; i++) {
      acc[from + i] += in.getInt(i << 2);
    }
  }
}
