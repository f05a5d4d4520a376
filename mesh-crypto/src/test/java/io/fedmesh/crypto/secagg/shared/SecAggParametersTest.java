package io.fedmesh.crypto.secagg.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.QuantizationOverflowException;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.NodeId;
import io.fedmesh.proto.v1.SecAggConfig;
import org.junit.jupiter.api.Test;

class SecAggParametersTest {

  static SecAggConfig.Builder config(int n) {
    SecAggConfig.Builder b = SecAggConfig.newBuilder().setFederation(FederationId.newBuilder().setName("fed"))
        .setRound(1).setVectorLength(10).setNeighbours(Math.min(4, n - 1)).setThreshold(2)
        .setClip(1).setValueBits(16).setWeightBits(8).setChunkWords(4);
    for (int i = 0; i < n; i++) {
      byte[] id = new byte[32];
      id[0] = (byte) i;
      id[1] = (byte) (i >> 8);
      b.addCohort(NodeId.newBuilder().setSha256(ByteString.copyFrom(id)));
    }
    return b;
  }

  @Test
  void refusesParameterSetsWhoseSumCanOverflowTheModulus() {
    // 16-bit values and 8-bit weights: 257 summands fit in 32-bit words, 258 do not.
    new SecAggParameters(config(257).build());
    assertThatThrownBy(() -> new SecAggParameters(config(258).build()))
        .isInstanceOf(QuantizationOverflowException.class)
        .hasMessageContaining("258 summands of 16-bit values with 8-bit weights can overflow 32-bit words: at most 257 fit");
    new SecAggParameters(config(258).setValueBits(15).build());
  }

  @Test
  void refusesGraphsAndThresholdsOutOfRange() {
    assertThatThrownBy(() -> new SecAggParameters(config(10).setNeighbours(3).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be even");
    new SecAggParameters(config(10).setNeighbours(9).build()); // n - 1, classic SecAgg
    assertThatThrownBy(() -> new SecAggParameters(config(10).setNeighbours(10).build()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SecAggParameters(config(10).setThreshold(6).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1, k+1] = [1, 5]");
    assertThatThrownBy(() -> new SecAggParameters(config(1).setNeighbours(1).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 to 100000");
    assertThatThrownBy(() -> new SecAggParameters(config(5).setRound(0).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("round >= 1");
    assertThatThrownBy(() -> new SecAggParameters(config(5).setChunkWords(0).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chunk_words");
    SecAggConfig.Builder twice = config(5);
    twice.setCohort(1, twice.getCohort(0));
    assertThatThrownBy(() -> new SecAggParameters(twice.build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("distinct");
  }

  @Test
  void chunksCoverTheUpdateAndTheWeightWord() {
    SecAggParameters p = new SecAggParameters(config(5).build()); // m = 10, so 11 words in chunks of 4
    assertThat(p.words()).isEqualTo(11);
    assertThat(p.chunkCount()).isEqualTo(3);
    assertThat(p.wordsInChunk(2)).isEqualTo(3);
  }

  @Test
  void weightsAreCappedAndQuantised() {
    SecAggParameters p = new SecAggParameters(config(5).build()); // 8-bit weights: 255 levels
    assertThat(p.weightFor(5000, 1000)).isEqualTo(255);
    assertThat(p.weightFor(1000, 1000)).isEqualTo(255);
    assertThat(p.weightFor(500, 1000)).isEqualTo(128);
    assertThat(p.weightFor(1, 1_000_000)).isEqualTo(1); // a client with data always counts
    assertThat(p.weightFor(0, 1000)).isZero();
    assertThatThrownBy(() -> p.weightFor(-1, 1000)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> p.weightFor(5, 0)).isInstanceOf(IllegalArgumentException.class);
  }
  /**
   * A masked-input chunk at the cap, with every other field as long as it can be, wrapped in a signed
   * envelope as the next payload field (number 19), fits the 4 MiB message limit; one word more than
   * the old cap of 2^20 words would not.
   */
  @Test
  void aChunkAtTheCapFitsASignedEnvelope() {
    assertThat(envelopeBytes(SecAggParameters.MAX_CHUNK_WORDS)).isLessThanOrEqualTo(SecAggParameters.MAX_MESSAGE_BYTES);
    assertThat(envelopeBytes(1 << 20)).isGreaterThan(SecAggParameters.MAX_MESSAGE_BYTES);
    assertThatThrownBy(() -> new SecAggParameters(config(3).setChunkWords(SecAggParameters.MAX_CHUNK_WORDS + 1).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chunk_words");
    new SecAggParameters(config(3).setChunkWords(SecAggParameters.MAX_CHUNK_WORDS).build());
  }

  private static int envelopeBytes(int words) {
    io.fedmesh.proto.v1.SecAggMessage chunk = io.fedmesh.proto.v1.SecAggMessage.newBuilder().setRound(-1L)
        .setMaskedInputChunk(io.fedmesh.proto.v1.MaskedInputChunk.newBuilder().setClient(-1).setIndex(-1).setCount(-1)
            .setWords(ByteString.copyFrom(new byte[4 * words])))
        .build();
    io.fedmesh.proto.v1.Envelope envelope = io.fedmesh.proto.v1.Envelope.newBuilder()
        .setFederation(FederationId.newBuilder().setName("f".repeat(63)))
        .setSender(NodeId.newBuilder().setSha256(ByteString.copyFrom(new byte[32])))
        .setRecipient(NodeId.newBuilder().setSha256(ByteString.copyFrom(new byte[32])))
        .setMessageId(ByteString.copyFrom(new byte[16])).setSentAtUnixMillis(Long.MIN_VALUE)
        .setKindValue(Integer.MAX_VALUE).setSignature(ByteString.copyFrom(new byte[64]))
        .setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder().addField(19,
            com.google.protobuf.UnknownFieldSet.Field.newBuilder().addLengthDelimited(chunk.toByteString()).build()).build())
        .build();
    return envelope.getSerializedSize();
  }
}
