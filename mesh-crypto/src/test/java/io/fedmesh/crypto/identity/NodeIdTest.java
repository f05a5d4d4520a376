package io.fedmesh.crypto.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.crypto.InvalidKeyMaterialException;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

class NodeIdTest {

  @Test
  void isTheSha256OfTheSubjectPublicKeyInfoInEveryForm() throws Exception {
    byte[] spki = {0x30, 0x01, 0x00};
    NodeId id = NodeId.ofSubjectPublicKeyInfo(spki);

    assertThat(id.toBytes()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(spki));
    assertThat(NodeId.ofHex(id.hex())).isEqualTo(id);
    assertThat(NodeId.ofHex(id.hex().toUpperCase())).isEqualTo(id);
    assertThat(NodeId.ofUri(id.toUri())).isEqualTo(id);
    assertThat(NodeId.ofBytes(id.toBytes())).isEqualTo(id).hasSameHashCodeAs(id);
    assertThat(id.toUri()).isEqualTo("urn:fedmesh:node:" + id.hex());
    assertThat(id.shortForm()).hasSize(12);
  }

  @Test
  void refusesMalformedIds() {
    assertThatThrownBy(() -> NodeId.ofHex("abc")).isInstanceOf(InvalidKeyMaterialException.class)
        .hasMessageContaining("64 hex digits");
    assertThatThrownBy(() -> NodeId.ofHex("z".repeat(64))).isInstanceOf(InvalidKeyMaterialException.class)
        .hasMessageContaining("not hex");
    assertThatThrownBy(() -> NodeId.ofBytes(new byte[31])).isInstanceOf(InvalidKeyMaterialException.class);
    assertThatThrownBy(() -> NodeId.ofUri("https://example/" + "0".repeat(64)))
        .isInstanceOf(InvalidKeyMaterialException.class).hasMessageContaining("not a FedMesh node URI");
  }
}
