package io.fedmesh.crypto.aead;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.crypto.AuthenticationFailedException;
import io.fedmesh.crypto.InvalidKeyMaterialException;
import io.fedmesh.crypto.KnownAnswerVectors;
import io.fedmesh.crypto.KnownAnswerVectors.Vector;
import io.fedmesh.crypto.random.SimulationRandom;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AesGcmKeyTest {

  static List<Vector> vectors() {
    return KnownAnswerVectors.load("aes-gcm.txt");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void matchesPublishedVectors(Vector v) {
    AesGcmKey key = new AesGcmKey(v.hex("key"));
    byte[] expected = concat(v.hex("ciphertext"), v.hex("tag"));

    assertThat(key.encrypt(v.hex("iv"), v.hex("plaintext"), v.hex("aad"))).isEqualTo(expected);
    assertThat(key.decrypt(v.hex("iv"), expected, v.hex("aad"))).isEqualTo(v.hex("plaintext"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void refusesATamperedTag(Vector v) {
    AesGcmKey key = new AesGcmKey(v.hex("key"));
    byte[] sealed = concat(v.hex("ciphertext"), v.hex("tag"));
    sealed[sealed.length - 1] ^= 0x01;

    assertThatThrownBy(() -> key.decrypt(v.hex("iv"), sealed, v.hex("aad")))
        .isInstanceOf(AuthenticationFailedException.class)
        .hasMessageContaining("tag mismatch");
  }

  @Test
  void sealedMessagesOpenOnlyUnchanged() {
    SimulationRandom random = SimulationRandom.fromSeed(9);
    AesGcmKey key = new AesGcmKey(bytes(random, 32));
    byte[] aad = "fed=a round=3 from=x to=y purpose=share".getBytes();
    byte[] sealed = key.seal("secret share".getBytes(), aad, random);

    assertThat(key.open(sealed, aad)).isEqualTo("secret share".getBytes());
    for (int i = 0; i < sealed.length; i++) {
      byte[] altered = sealed.clone();
      altered[i] ^= 0x40;
      assertThatThrownBy(() -> key.open(altered, aad)).isInstanceOf(AuthenticationFailedException.class);
    }
    assertThatThrownBy(() -> key.open(sealed, "other".getBytes())).isInstanceOf(AuthenticationFailedException.class);
    assertThatThrownBy(() -> new AesGcmKey(bytes(random, 32)).open(sealed, aad))
        .isInstanceOf(AuthenticationFailedException.class);
    assertThatThrownBy(() -> key.open(Arrays.copyOf(sealed, 27), aad))
        .isInstanceOf(AuthenticationFailedException.class).hasMessageContaining("too short");
  }

  @Test
  void everySealUsesAFreshNonce() {
    SimulationRandom random = SimulationRandom.fromSeed(10);
    AesGcmKey key = new AesGcmKey(bytes(random, 32));

    byte[] a = key.seal(new byte[16], null, random);
    byte[] b = key.seal(new byte[16], null, random);

    assertThat(Arrays.copyOf(a, 12)).isNotEqualTo(Arrays.copyOf(b, 12));
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void refusesWrongKeyAndNonceLengths() {
    assertThatThrownBy(() -> new AesGcmKey(new byte[16]))
        .isInstanceOf(InvalidKeyMaterialException.class).hasMessage("AES-256-GCM key must be 32 bytes, got 16");
    AesGcmKey key = new AesGcmKey(new byte[32]);
    assertThatThrownBy(() -> key.encrypt(new byte[16], new byte[1], null))
        .isInstanceOf(InvalidKeyMaterialException.class).hasMessage("AES-GCM nonce must be 12 bytes, got 16");
    assertThatThrownBy(() -> key.decrypt(new byte[12], new byte[15], null))
        .isInstanceOf(AuthenticationFailedException.class);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static byte[] bytes(SimulationRandom random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }
}
