package io.fedmesh.proto.canonical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.fedmesh.proto.testing.AllTypes;
import io.fedmesh.proto.testing.WithMap;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.NodeId;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class CanonicalEncodingTest {

  @Test
  void encodesTheDocumentedExampleExactly() {
    // The worked example in docs/protocol.md: keep the two in step.
    Envelope envelope = Envelope.newBuilder()
        .setFederation(FederationId.newBuilder().setName("fraud"))
        .setSentAtUnixMillis(-2)
        .build();

    assertThat(HexFormat.of().formatHex(CanonicalEncoding.encode(envelope))).isEqualTo(
        "00000001" + "09" + "0000000e" // field 1, message, 14 bytes follow
            + "00000001" + "07" + "00000005" + "6672617564" // field 1 of FederationId, string "fraud"
            + "00000005" + "02" + "fffffffffffffffe"); // field 5, signed -2
  }

  @Test
  void followsFieldNumbersNotDeclarationOrder() {
    byte[] encoded = CanonicalEncoding.encode(AllTypes.newBuilder().setFLate(1).setFEarly(2).build());

    assertThat(HexFormat.of().formatHex(encoded))
        .isEqualTo("00000019" + "02" + "0000000000000002" + "00000064" + "02" + "0000000000000001");
  }

  @Test
  void signingInputNamesTheDomainAndTypeAndLeavesTheSignatureOut() {
    Envelope unsigned = Envelope.newBuilder().setMessageId(ByteString.copyFrom(new byte[16])).build();
    Envelope signed = unsigned.toBuilder().setSignature(ByteString.copyFrom(new byte[64])).build();

    byte[] input = CanonicalEncoding.signingInput(signed, Envelope.getDescriptor().findFieldByName("signature"));

    byte[] prefix = "FEDMESH-SIG-V1\0\0\0\0\023fedmesh.v1.Envelope".getBytes(StandardCharsets.US_ASCII);
    assertThat(input).startsWith(prefix);
    assertThat(input).isEqualTo(
        CanonicalEncoding.signingInput(unsigned, Envelope.getDescriptor().findFieldByName("signature")));
  }

  @Test
  void differentTypesWithEqualFieldsHaveDifferentSigningInputs() {
    byte[] digest = new byte[32];
    NodeId node = NodeId.newBuilder().setSha256(ByteString.copyFrom(digest)).build();
    AllTypes other = AllTypes.newBuilder().setFDouble(0).build(); // empty encoding, like an empty NodeId

    assertThat(CanonicalEncoding.signingInput(NodeId.getDefaultInstance(), null))
        .isNotEqualTo(CanonicalEncoding.signingInput(other, null));
    assertThat(CanonicalEncoding.encode(node)).isNotEqualTo(CanonicalEncoding.encode(NodeId.getDefaultInstance()));
  }

  @Test
  void refusesMapsAndNaN() {
    assertThatThrownBy(() -> CanonicalEncoding.encode(WithMap.newBuilder().putEntries("a", 1).build()))
        .isInstanceOf(CanonicalEncodingException.class)
        .hasMessageContaining("map field");
    assertThatThrownBy(() -> CanonicalEncoding.encode(AllTypes.newBuilder().setFDouble(Double.NaN).build()))
        .isInstanceOf(CanonicalEncodingException.class)
        .hasMessageContaining("f_double is NaN");
    assertThatThrownBy(() -> CanonicalEncoding.encode(AllTypes.newBuilder().addRDouble(Double.NaN).build()))
        .isInstanceOf(CanonicalEncodingException.class);
  }

  @Test
  void refusesUnpairedSurrogatesThatWouldCollideWithAQuestionMark() {
    assertThatThrownBy(() -> CanonicalEncoding.encode(AllTypes.newBuilder().setFString("\uD800").build()))
        .isInstanceOf(CanonicalEncodingException.class).hasMessageContaining("unpaired surrogate");
    assertThat(CanonicalEncoding.encode(AllTypes.newBuilder().setFString("\uD83D\uDE00").build())).hasSize(4 + 1 + 4 + 4);
  }

  @Test
  void refusesExtensionsWhichAreNotAmongTheDeclaredFields() throws Exception {
    // descriptor.proto's own options are extendable: an extension set on one must not go unsigned.
    var fieldOptions = com.google.protobuf.DescriptorProtos.FeatureSet.newBuilder()
        .setExtension(com.google.protobuf.JavaFeaturesProto.java_, com.google.protobuf.JavaFeaturesProto.JavaFeatures.newBuilder().setLegacyClosedEnum(true).build())
        .build();

    assertThatThrownBy(() -> CanonicalEncoding.encode(fieldOptions))
        .isInstanceOf(CanonicalEncodingException.class).hasMessageContaining("extension fields");
  }

  @Test
  void refusesASignatureFieldOfAnotherType() {
    assertThatThrownBy(() -> CanonicalEncoding.signingInput(
            NodeId.getDefaultInstance(), Envelope.getDescriptor().findFieldByName("signature")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a field of fedmesh.v1.NodeId");
  }
}
