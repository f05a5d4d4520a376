package io.fedmesh.crypto.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.crypto.InvalidKeyMaterialException;
import io.fedmesh.crypto.KnownAnswerVectors;
import io.fedmesh.crypto.KnownAnswerVectors.Vector;
import io.fedmesh.crypto.random.SimulationRandom;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SigningKeyTest {

  static List<Vector> rfc6979Sha256() {
    return KnownAnswerVectors.load("ecdsa-p256-rfc6979.txt").stream()
        .filter(v -> v.text("hash").equals("SHA-256"))
        .toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rfc6979Sha256")
  void matchesRfc6979AppendixA25(Vector v) {
    SigningKey key = SigningKey.fromScalar(new BigInteger(1, v.hex("x")));
    byte[] message = v.text("message").getBytes(StandardCharsets.US_ASCII);

    byte[] signature = key.sign(message);

    assertThat(key.verifyingKey()).isEqualTo(
        VerifyingKey.fromAffine(new BigInteger(1, v.hex("ux")), new BigInteger(1, v.hex("uy"))));
    assertThat(Arrays.copyOfRange(signature, 0, 32)).isEqualTo(v.hex("r"));
    assertThat(Arrays.copyOfRange(signature, 32, 64)).isEqualTo(v.hex("s"));
    assertThat(key.verifyingKey().verify(message, signature)).isTrue();
  }

  @Test
  void theJdkVerifiesOurSignaturesAndReadsOurKeys() throws Exception {
    SigningKey key = SigningKey.generate(SimulationRandom.fromSeed(11));
    byte[] message = "interop".getBytes(StandardCharsets.UTF_8);
    byte[] rs = key.sign(message);

    KeyFactory ec = KeyFactory.getInstance("EC");
    Signature jdk = Signature.getInstance("SHA256withECDSAinP1363Format");
    jdk.initVerify(ec.generatePublic(new X509EncodedKeySpec(key.verifyingKey().subjectPublicKeyInfo())));
    jdk.update(message);
    assertThat(jdk.verify(rs)).isTrue();
    // What Netty and Ratis will read: our PKCS#8 must load in the JDK too.
    assertThat(ec.generatePrivate(new PKCS8EncodedKeySpec(key.toPkcs8())).getAlgorithm()).isEqualTo("EC");
  }

  @Test
  void signaturesAreDeterministicAndBoundToMessageAndKey() {
    SimulationRandom random = SimulationRandom.fromSeed(2);
    SigningKey key = SigningKey.generate(random);
    SigningKey other = SigningKey.generate(random);
    byte[] message = "round 7".getBytes(StandardCharsets.UTF_8);
    byte[] signature = key.sign(message);

    assertThat(key.sign(message)).isEqualTo(signature);
    assertThat(key.verifyingKey().verify("round 8".getBytes(StandardCharsets.UTF_8), signature)).isFalse();
    assertThat(other.verifyingKey().verify(message, signature)).isFalse();
    byte[] tampered = signature.clone();
    tampered[40] ^= 1;
    assertThat(key.verifyingKey().verify(message, tampered)).isFalse();
  }

  @Test
  void malformedSignaturesAreInvalidNotErrors() {
    SigningKey key = SigningKey.generate(SimulationRandom.fromSeed(3));
    byte[] message = new byte[] {1};
    assertThat(key.verifyingKey().verify(message, new byte[63])).isFalse();
    assertThat(key.verifyingKey().verify(message, new byte[64])).isFalse(); // r = s = 0
    assertThat(key.verifyingKey().verify(message, null)).isFalse();
    byte[] allOnes = new byte[64];
    Arrays.fill(allOnes, (byte) 0xff); // r, s >= n
    assertThat(key.verifyingKey().verify(message, allOnes)).isFalse();
  }

  @Test
  void keysRoundTripThroughTheirEncodings() {
    SigningKey key = SigningKey.generate(SimulationRandom.fromSeed(4));

    SigningKey reread = SigningKey.fromPkcs8(key.toPkcs8());
    VerifyingKey publicKey = VerifyingKey.fromSubjectPublicKeyInfo(key.verifyingKey().subjectPublicKeyInfo());

    assertThat(reread.verifyingKey()).isEqualTo(key.verifyingKey());
    assertThat(publicKey).isEqualTo(key.verifyingKey());
    assertThat(publicKey.nodeId()).isEqualTo(key.verifyingKey().nodeId());
  }

  @Test
  void refusesKeysNotOnP256() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp384r1"));
    var p384 = generator.generateKeyPair();

    assertThatThrownBy(() -> SigningKey.fromPkcs8(p384.getPrivate().getEncoded()))
        .isInstanceOf(InvalidKeyMaterialException.class).hasMessageContaining("not an EC P-256 key");
    assertThatThrownBy(() -> VerifyingKey.fromSubjectPublicKeyInfo(p384.getPublic().getEncoded()))
        .isInstanceOf(InvalidKeyMaterialException.class).hasMessageContaining("not an EC P-256 key");
    assertThatThrownBy(() -> VerifyingKey.fromAffine(BigInteger.ONE, BigInteger.TWO))
        .isInstanceOf(InvalidKeyMaterialException.class).hasMessageContaining("not on P-256");
    assertThatThrownBy(() -> SigningKey.fromPkcs8(new byte[] {0x30, 0x03, 0x02, 0x01}))
        .isInstanceOf(InvalidKeyMaterialException.class).hasMessageContaining("not a PKCS#8 private key");
    assertThatThrownBy(() -> SigningKey.fromScalar(BigInteger.ZERO))
        .isInstanceOf(InvalidKeyMaterialException.class);
  }

  @Test
  void refusesAPublicKeyWhosePointIsOffTheCurve() {
    byte[] spki = SigningKey.generate(SimulationRandom.fromSeed(5)).verifyingKey().subjectPublicKeyInfo();
    spki[spki.length - 1] ^= 1; // last byte of y: the point leaves the curve

    assertThatThrownBy(() -> VerifyingKey.fromSubjectPublicKeyInfo(spki))
        .isInstanceOf(InvalidKeyMaterialException.class);
  }
}
