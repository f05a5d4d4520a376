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

  /** Wire bytes no Java serialiser writes, but a peer or attacker can send. */
  private static final String[] ADVERSARIAL = {
      "f00105fa010178",        // oneof: c_number = 5, then c_text = "x": only the last member counts
      "520218015202280252021801", // f_message three times: occurrences merge
      "2a0107",                // f_int32 with a length-delimited wire type: not that field
      "2d01000000",            // f_int32 with a fixed32 wire type
      "4a01ff",                // f_string not UTF-8
      "80018080808010",        // sint32 (field 16) given a varint above 32 bits
      "28ffffffffffffffffff01", // int32 as a 10-byte varint (-1)
      "6880808080f0ffffffff01", // uint32 (field 13) given a 64-bit varint
      "a201080102030405060708", // r_double packed, 8 bytes
      "a20107010203040506070809", // r_double packed, not a multiple of 8 (truncated)
      "a0010a0b0c",            // r_int32 unpacked... then
      "a201030a0b0c",          // r_int32 packed
      "12040000c07f",          // f_float NaN (0x7fc00000)
      "40020000",              // f_bool from varint 2
      "0c",                    // a start-group tag
      "82070100",              // c_chunk with offset 0 explicitly: present (oneof)
      "9001009801",            // f_optional_int32 = 0 then f_optional_bool truncated
      "900100",                // f_optional_int32 = 0: present (explicit presence)
      "280028032800",          // f_int32 0, 3, 0: the last (default) wins, so absent
  };

  @Test
  void bothEncodersParseHostileWireBytesTheSameWay(@TempDir Path dir) throws Exception {
    List<byte[]> inputs = new ArrayList<>();
    for (String hex : ADVERSARIAL) {
      inputs.add(HEX.parseHex(hex));
    }
    // Mutations of valid messages: flipped, inserted, deleted and duplicated bytes.
    Random random = new Random(7);
    for (int i = 0; i < 1500; i++) {
      byte[] valid = randomAllTypes(random, 1).toByteArray();
      inputs.add(mutate(valid, random));
    }

    List<String> java = new ArrayList<>();
    for (byte[] input : inputs) {
      java.add(javaEncodeOrError(input));
    }
    List<String> python = runPythonEncoder(dir, AllTypes.getDescriptor().getFullName(), inputs);

    int refused = 0;
    for (int i = 0; i < inputs.size(); i++) {
      String expected = java.get(i);
      String actual = python.get(i);
      if (expected.startsWith("ERROR")) {
        refused++;
        assertThat(actual).as("input %d %s: Java refuses (%s)", i, HEX.formatHex(inputs.get(i)), expected).startsWith("ERROR");
      } else {
        assertThat(actual).as("input %d %s", i, HEX.formatHex(inputs.get(i))).isEqualTo(expected);
      }
    }
    // Both kinds of outcome must be well represented, or the test would prove little.
    assertThat(refused).isBetween(100, inputs.size() - 300);
  }

  private static String javaEncodeOrError(byte[] input) {
    try {
      return HEX.formatHex(CanonicalEncoding.encode(AllTypes.parseFrom(input)));
    } catch (com.google.protobuf.InvalidProtocolBufferException | CanonicalEncodingException e) {
      return "ERROR " + e.getMessage();
    }
  }

  private static byte[] mutate(byte[] valid, Random r) {
    byte[] b = valid.length == 0 ? new byte[] {0} : valid;
    int at = r.nextInt(b.length);
    return switch (r.nextInt(4)) {
      case 0 -> {
        byte[] out = b.clone();
        out[at] ^= (byte) (1 << r.nextInt(8));
        yield out;
      }
      case 1 -> {
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, at);
        out[at] = (byte) r.nextInt(256);
        System.arraycopy(b, at, out, at + 1, b.length - at);
        yield out;
      }
      case 2 -> {
        byte[] out = new byte[b.length - 1];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, at + 1, out, at, b.length - at - 1);
        yield out;
      }
      default -> { // append a copy of a slice: repeats fields, as a replaying or confused sender would
        int len = 1 + r.nextInt(Math.min(16, b.length - at));
        byte[] out = java.util.Arrays.copyOf(b, b.length + len);
        System.arraycopy(b, at, out, b.length, len);
        yield out;
      }
    };
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
    StringBuilder batch = new StringBuilder();
    Set<FileDescriptor> files = new LinkedHashSet<>();
    for (Message m : messages) {
      collect(m.getDescriptorForType().getFile(), files);
      batch.append(m.getDescriptorForType().getFullName()).append(' ')
          .append(HEX.formatHex(m.toByteArray())).append('\n');
    }
    return runPython(dir, files, batch);
  }

  private static List<String> runPythonEncoder(Path dir, String typeName, List<byte[]> inputs)
      throws IOException, InterruptedException {
    StringBuilder batch = new StringBuilder();
    for (byte[] input : inputs) {
      batch.append(typeName).append(' ').append(HEX.formatHex(input)).append('\n');
    }
    Set<FileDescriptor> files = new LinkedHashSet<>();
    collect(AllTypes.getDescriptor().getFile(), files);
    return runPython(dir, files, batch);
  }

  private static List<String> runPython(Path dir, Set<FileDescriptor> files, StringBuilder batch)
      throws IOException, InterruptedException {
    FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
    files.forEach(f -> set.addFile(f.toProto()));
    Path descriptors = dir.resolve("descriptors.pb");
    Files.write(descriptors, set.build().toByteArray());
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
