package io.fedmesh.coordinator.round;

import com.google.protobuf.ByteString;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.ModelRef;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A global model as stored and sent: its flat parameters as little-endian float32, addressed by the
 * SHA-256 of those bytes (the layout manifest is stored beside it and checked separately).
 */
public final class ModelBlob {
  private ModelBlob() {}

  public static byte[] encode(float[] parameters) {
    ByteBuffer b = ByteBuffer.allocate(parameters.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(parameters);
    return b.array();
  }

  /**
   * The parameters in {@code blob}.
   *
   * @throws IllegalArgumentException if it does not hold exactly {@code length} floats, or holds a NaN or infinity
   */
  public static float[] decode(byte[] blob, int length) {
    if (blob.length != (long) length * Float.BYTES) {
      throw new IllegalArgumentException("model blob is " + blob.length + " bytes, expected " + (long) length * Float.BYTES
          + " (" + length + " parameters)");
    }
    float[] out = new float[length];
    ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    for (int i = 0; i < out.length; i++) {
      if (!Float.isFinite(out[i])) {
        throw new IllegalArgumentException("model blob holds " + out[i] + " at parameter " + i);
      }
    }
    return out;
  }

  public static byte[] sha256(byte[] blob) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(blob);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  public static ModelRef ref(String federation, byte[] blob) {
    return ModelRef.newBuilder().setFederation(FederationId.newBuilder().setName(federation))
        .setSha256(ByteString.copyFrom(sha256(blob))).setSizeBytes(blob.length).build();
  }

  public static String hex(ModelRef ref) {
    return HexFormat.of().formatHex(ref.getSha256().toByteArray());
  }
}
