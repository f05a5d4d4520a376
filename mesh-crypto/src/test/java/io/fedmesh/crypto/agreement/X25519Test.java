package io.fedmesh.crypto.agreement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.crypto.InvalidKeyMaterialException;
import io.fedmesh.crypto.KnownAnswerVectors;
import io.fedmesh.crypto.KnownAnswerVectors.Vector;
import io.fedmesh.crypto.random.SimulationRandom;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class X25519Test {

  static List<Vector> rfc7748Section52() {
    return KnownAnswerVectors.load("x25519.txt", "rfc7748-5.2-vector");
  }

  static List<Vector> rfc7748Iterated() {
    return KnownAnswerVectors.load("x25519.txt", "rfc7748-5.2-iter");
  }

  static List<Vector> lowOrderPoints() {
    return KnownAnswerVectors.load("x25519.txt", "low-order");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rfc7748Section52")
  void matchesRfc7748Section52(Vector v) {
    assertThat(X25519.agree(v.hex("scalar"), v.hex("u"))).isEqualTo(v.hex("out"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rfc7748Iterated")
  void matchesRfc7748IteratedVectors(Vector v) {
    byte[] k = v.hex("k");
    byte[] u = v.hex("u");
    for (int i = Integer.parseInt(v.text("iterations")); i > 0; i--) {
      byte[] next = X25519.agree(k, u);
      u = k;
      k = next;
    }
    assertThat(k).isEqualTo(v.hex("out"));
  }

  @Test
  void matchesRfc7748Section61DiffieHellman() {
    Vector v = KnownAnswerVectors.load("x25519.txt", "rfc7748-6.1").get(0);

    assertThat(X25519.publicKey(v.hex("alice_private"))).isEqualTo(v.hex("alice_public"));
    assertThat(X25519.publicKey(v.hex("bob_private"))).isEqualTo(v.hex("bob_public"));
    assertThat(X25519.agree(v.hex("alice_private"), v.hex("bob_public"))).isEqualTo(v.hex("shared"));
    assertThat(X25519.agree(v.hex("bob_private"), v.hex("alice_public"))).isEqualTo(v.hex("shared"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("lowOrderPoints")
  void refusesLowOrderPeerKeys(Vector v) {
    X25519KeyPair mine = X25519.generate(SimulationRandom.fromSeed(7));

    assertThatThrownBy(() -> X25519.agree(mine.privateKey(), v.hex("u")))
        .isInstanceOf(InvalidKeyMaterialException.class)
        .hasMessageContaining("low-order point");
  }

  @Test
  void generatedPairsAgree() {
    SimulationRandom random = SimulationRandom.fromSeed(1);
    X25519KeyPair alice = X25519.generate(random);
    X25519KeyPair bob = X25519.generate(random);

    assertThat(X25519.agree(alice.privateKey(), bob.publicKey()))
        .isEqualTo(X25519.agree(bob.privateKey(), alice.publicKey()))
        .isNotEqualTo(new byte[32]);
    assertThat(alice.publicKey()).isNotEqualTo(bob.publicKey());
  }

  @Test
  void refusesKeysOfTheWrongLength() {
    byte[] good = new byte[32];
    good[0] = 9;
    assertThatThrownBy(() -> X25519.agree(new byte[31], good))
        .isInstanceOf(InvalidKeyMaterialException.class)
        .hasMessage("X25519 private key must be 32 bytes, got 31");
    assertThatThrownBy(() -> X25519.agree(good, new byte[33]))
        .isInstanceOf(InvalidKeyMaterialException.class)
        .hasMessage("X25519 peer public key must be 32 bytes, got 33");
    assertThatThrownBy(() -> X25519.publicKey(null))
        .isInstanceOf(InvalidKeyMaterialException.class);
  }

  @Test
  void destroyedPairNoLongerHoldsItsKey() {
    X25519KeyPair pair = X25519.generate(SimulationRandom.fromSeed(3));
    byte[] peer = X25519.generate(SimulationRandom.fromSeed(4)).publicKey();
    pair.destroy();
    assertThat(pair.privateKey()).containsOnly(0);
    // An all-zero key clamps to a scalar anyone knows: agreeing with it would leak the "shared" secret.
    assertThatThrownBy(() -> X25519.agree(pair.privateKey(), peer))
        .isInstanceOf(InvalidKeyMaterialException.class).hasMessageContaining("all zeros");
    assertThatThrownBy(() -> X25519.publicKey(new byte[32])).isInstanceOf(InvalidKeyMaterialException.class);
    assertThat(pair.toString()).doesNotContain("private");
  }
}
