package io.fedmesh.proto.canonical;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Message;
import io.fedmesh.proto.testing.AllTypes;
import io.fedmesh.proto.testing.Colour;
import io.fedmesh.proto.v1.Chunk;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.Kind;
import io.fedmesh.proto.v1.NodeId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java encoder and the independent Python encoder (src/test/python/canonical.py, which parses the
 * wire format and schema itself) must produce the same bytes for every message.
 */
class CanonicalEncodingCrossCheckTest {

  private static final HexFormat HEX = HexFormat.of();

  @Test
  void javaAndPythonEncodersAgreeByteForByte(@TempDir Path dir) throws Exception {
    Random random = new Random(20261124);
    List<Message> messages = new ArrayList<>();
    messages.add(Envelope.getDefaultInstance());
    messages.add(AllTypes.getDefaultInstance());
    for (int i = 0; i < 300; i++) {
      messages.add(randomEnvelope(random));
      messages.add(randomAllTypes(random, 2));
    }

    List<String> python = runPythonEncoder(dir, messages);

    assertThat(python).hasSameSizeAs(messages);
    for (int i = 0; i < messages.size(); i++) {
      assertThat(python.get(i))
          .as("message %d: %s", i, messages.get(i))
          .isEqualTo(HEX.formatHex(CanonicalEncoding.encode(messages.get(i))));
    }
  }

  @Test
  void bothEncodersRefuseUnknownFields(@TempDir Path dir) throws Exception {
    // Field 99 is not in NodeId's schema: a newer sender's field that a signature would not cover.
    byte[] withUnknown = NodeId.newBuilder().setSha256(ByteString.copyFrom(new byte[32])).build()
        .toBuilder()
        .setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
            .addField(99, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(7).build())
            .build())
        .build().toByteArray();
    NodeId parsed = NodeId.parseFrom(withUnknown);

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> CanonicalEncoding.encode(parsed))
        .isInstanceOf(CanonicalEncodingException.class)
        .hasMessageContaining("unknown fields [99]");
    assertThat(runPythonEncoder(dir, List.of(parsed))).singleElement().asString().startsWith("ERROR");
  }

  private static List<String> runPythonEncoder(Path dir, List<Message> messages)
      throws IOException, InterruptedException {
    Set<FileDescriptor> files = new LinkedHashSet<>();
    for (Message m : messages) {
      collect(m.getDescriptorForType().getFile(), files);
    }
    FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
    files.forEach(f -> set.addFile(f.toProto()));
    Path descriptors = dir.resolve("descriptors.pb");
    Files.write(descriptors, set.build().toByteArray());

    StringBuilder batch = new StringBuilder();
    for (Message m : messages) {
      batch.append(m.getDescriptorForType().getFullName()).append(' ')
          .append(HEX.formatHex(m.toByteArray())).append('\n');
    }
    Path batchFile = dir.resolve("batch.txt");
    Files.writeString(batchFile, batch);

    Path script = Path.of("src/test/python/canonical.py").toAbsolutePath();
    Process process = new ProcessBuilder("python3", script.toString(), descriptors.toString(), batchFile.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    byte[] out = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("python3 canonical.py exit code").isZero();
    return new String(out, StandardCharsets.UTF_8).lines().toList();
  }

  private static void collect(FileDescriptor file, Set<FileDescriptor> into) {
    for (FileDescriptor dep : file.getDependencies()) {
      collect(dep, into);
    }
    into.add(file);
  }

  private static Envelope randomEnvelope(Random r) {
    Envelope.Builder b = Envelope.newBuilder();
    if (r.nextBoolean()) {
      b.setFederation(FederationId.newBuilder().setName("fed-" + r.nextInt(1000)));
    }
    b.setSender(NodeId.newBuilder().setSha256(bytes(r, 32)));
    if (r.nextBoolean()) {
      b.setRecipient(NodeId.newBuilder().setSha256(bytes(r, 32)));
    }
    b.setMessageId(bytes(r, 16)).setSentAtUnixMillis(r.nextLong()).setKind(Kind.KIND_CHUNK);
    if (r.nextBoolean()) {
      b.setChunk(Chunk.newBuilder().setOffset(r.nextLong()).setData(bytes(r, r.nextInt(40))).setLast(r.nextBoolean()));
    }
    if (r.nextBoolean()) {
      b.setSignature(bytes(r, 64));
    }
    return b.build();
  }

  private static AllTypes randomAllTypes(Random r, int depth) {
    AllTypes.Builder b = AllTypes.newBuilder();
    // Each field is set about half the time, with extremes and zeros mixed in so defaults are exercised.
    if (r.nextBoolean()) b.setFDouble(pick(r, r.nextGaussian(), -0.0, Double.POSITIVE_INFINITY, Double.MIN_VALUE));
    if (r.nextBoolean()) b.setFFloat((float) pick(r, (float) r.nextGaussian(), -0.0f, Float.NEGATIVE_INFINITY, 0.0f));
    if (r.nextBoolean()) b.setFInt64(pick(r, r.nextLong(), Long.MIN_VALUE, -1L, 0L));
    if (r.nextBoolean()) b.setFUint64(pick(r, r.nextLong(), -1L, Long.MIN_VALUE, 0L));
    if (r.nextBoolean()) b.setFInt32(pick(r, r.nextInt(), Integer.MIN_VALUE, -1, 0));
    if (r.nextBoolean()) b.setFFixed64(r.nextLong());
    if (r.nextBoolean()) b.setFFixed32(pick(r, r.nextInt(), -1, Integer.MIN_VALUE, 0));
    if (r.nextBoolean()) b.setFBool(r.nextBoolean());
    if (r.nextBoolean()) b.setFString(pick(r, "", "h\u00e9llo \u4e16\u754c \uD83D\uDE00", "plain", "x".repeat(r.nextInt(300))));
    if (r.nextBoolean() && depth > 0) b.setFMessage(randomAllTypes(r, depth - 1));
    if (r.nextBoolean()) b.setFBytes(bytes(r, r.nextInt(20)));
    if (r.nextBoolean()) b.setFUint32(pick(r, r.nextInt(), -1, 0, 1));
    if (r.nextBoolean()) b.setFEnum(pick(r, Colour.COLOUR_RED, Colour.COLOUR_NEGATIVE, Colour.COLOUR_UNSPECIFIED, Colour.COLOUR_RED));
    if (r.nextBoolean()) b.setFSfixed32(r.nextInt());
    if (r.nextBoolean()) b.setFSfixed64(r.nextLong());
    if (r.nextBoolean()) b.setFSint32(pick(r, r.nextInt(), Integer.MIN_VALUE, -1, 0));
    if (r.nextBoolean()) b.setFSint64(pick(r, r.nextLong(), Long.MIN_VALUE, -1L, 0L));
    if (r.nextBoolean()) b.setFOptionalInt32(pick(r, 0, -5, 7, Integer.MAX_VALUE));
    if (r.nextBoolean()) b.setFOptionalBool(false);
    for (int i = r.nextInt(4); i > 0; i--) b.addRInt32(pick(r, r.nextInt(), 0, -1, 1));
    for (int i = r.nextInt(3); i > 0; i--) b.addRString(pick(r, "", "a", "\u00df", "zz"));
    for (int i = r.nextInt(3); i > 0; i--) b.addRDouble(pick(r, 0.0, -0.0, r.nextDouble(), 1e300));
    for (int i = r.nextInt(3); i > 0; i--) b.addRNode(NodeId.newBuilder().setSha256(bytes(r, r.nextInt(33))));
    for (int i = r.nextInt(3); i > 0; i--) b.addRSint64(r.nextLong());
    switch (r.nextInt(4)) {
      case 0 -> b.setCNumber(pick(r, 0, 5, -1, 9));
      case 1 -> b.setCText(pick(r, "", "text", "\u00e9", "t"));
      case 2 -> b.setCChunk(Chunk.newBuilder().setOffset(r.nextInt(10)));
      default -> { }
    }
    if (r.nextBoolean()) b.setFLate(r.nextInt());
    if (r.nextBoolean()) b.setFEarly(r.nextInt());
    return b.build();
  }

  @SafeVarargs
  private static <T> T pick(Random r, T... options) {
    return options[r.nextInt(options.length)];
  }

  private static ByteString bytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return ByteString.copyFrom(b);
  }
}
