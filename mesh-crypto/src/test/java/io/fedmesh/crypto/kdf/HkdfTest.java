package io.fedmesh.crypto.kdf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.crypto.InvalidKeyMaterialException;
import io.fedmesh.crypto.KnownAnswerVectors;
import io.fedmesh.crypto.KnownAnswerVectors.Vector;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class HkdfTest {

  static List<Vector> rfc5869() {
    return KnownAnswerVectors.load("hkdf-sha256.txt");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rfc5869")
  void matchesRfc5869AppendixA(Vector v) {
    int length = Integer.parseInt(v.text("L"));

    byte[] prk = Hkdf.extract(v.hex("salt"), v.hex("ikm"));

    assertThat(prk).isEqualTo(v.hex("prk"));
    assertThat(Hkdf.expand(prk, v.hex("info"), length)).isEqualTo(v.hex("okm"));
    assertThat(Hkdf.derive(v.hex("ikm"), v.hex("salt"), v.hex("info"), length)).isEqualTo(v.hex("okm"));
  }

  @Test
  void differentInfoGivesIndependentKeys() {
    byte[] ikm = new byte[32];
    assertThat(Hkdf.derive(ikm, null, "a".getBytes(), 32)).isNotEqualTo(Hkdf.derive(ikm, null, "b".getBytes(), 32));
  }

  @Test
  void refusesBadLengths() {
    assertThatThrownBy(() -> Hkdf.derive(new byte[32], null, null, 0))
        .isInstanceOf(InvalidKeyMaterialException.class).hasMessageContaining("[1, 8160], got 0");
    assertThatThrownBy(() -> Hkdf.derive(new byte[32], null, null, 8161))
        .isInstanceOf(InvalidKeyMaterialException.class);
    assertThatThrownBy(() -> Hkdf.expand(new byte[31], null, 32))
        .isInstanceOf(InvalidKeyMaterialException.class).hasMessageContaining("at least 32 bytes");
    assertThat(Hkdf.derive(new byte[32], null, null, 8160)).hasSize(8160);
  }
}
