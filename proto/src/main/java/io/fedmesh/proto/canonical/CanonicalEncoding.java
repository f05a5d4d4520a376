package io.fedmesh.proto.canonical;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The canonical encoding of a protobuf message: the exact bytes a FedMesh signature covers.
 *
 * <p>Protobuf's own serialisation is not canonical (field order, unknown fields, map order and
 * packing may differ between implementations and versions), so signatures never cover "the protobuf
 * as sent". This encoding depends only on the message's logical content and its schema's field numbers.
 * It is specified in {@code docs/protocol.md} ("Canonical encoding") and implemented a second time,
 * independently, in {@code proto/src/test/python/canonical.py}; a test checks they agree byte for byte.
 *
 * <p>In short: the fields that are present, in increasing field-number order; each value as
 * {@code u32be(field number) || u8(type code) || value}, integers as 8-byte big-endian, strings, bytes
 * and sub-messages length-prefixed with a 4-byte big-endian length, a repeated field as one entry per
 * element in order. Messages with unknown fields, extensions, map fields, NaN values or strings that are
 * not valid UTF-8 are refused, because their meaning would not be covered by, or not be unique under,
 * the signature.
 *
 * <p>Thread-safe and stateless.
 */
public final class CanonicalEncoding {

  /** Prefix of every signing input: separates FedMesh signatures from any other use of the key. */
  public static final String SIGNATURE_DOMAIN = "FEDMESH-SIG-V1";

  static final int TYPE_BOOL = 1;
  static final int TYPE_SIGNED = 2;
  static final int TYPE_UNSIGNED = 3;
  static final int TYPE_ENUM = 4;
  static final int TYPE_FLOAT = 5;
  static final int TYPE_DOUBLE = 6;
  static final int TYPE_STRING = 7;
  static final int TYPE_BYTES = 8;
  static final int TYPE_MESSAGE = 9;

  private CanonicalEncoding() {}

  /**
   * Encodes {@code message} canonically.
   *
   * @throws CanonicalEncodingException if the message (or any sub-message) has unknown fields,
   *     extensions, a map field, a NaN float or double, or a string with an unpaired surrogate
   */
  public static byte[] encode(Message message) {
    Writer out = new Writer();
    writeMessage(out, message);
    return out.toByteArray();
  }

  /**
   * The bytes a signature over {@code message} covers: {@code SIGNATURE_DOMAIN || 0x00 ||
   * u32be(len(type name)) || full type name || canonical(message without the signature field)}.
   * Naming the type means a signature over one message type can never be presented as a signature
   * over another with the same bytes.
   *
   * @param signatureField the field holding the signature, cleared before encoding; may be null for
   *     messages that are signed from outside (their signature travels elsewhere)
   */
  public static byte[] signingInput(Message message, FieldDescriptor signatureField) {
    Message unsigned = message;
    if (signatureField != null) {
      if (signatureField.getContainingType() != message.getDescriptorForType()) {
        throw new IllegalArgumentException(
            "field " + signatureField.getFullName() + " is not a field of " + message.getDescriptorForType().getFullName());
      }
      unsigned = message.toBuilder().clearField(signatureField).build();
    }
    Writer out = new Writer();
    out.writeRaw(SIGNATURE_DOMAIN.getBytes(StandardCharsets.US_ASCII));
    out.writeByte(0);
    out.writeLengthPrefixed(message.getDescriptorForType().getFullName().getBytes(StandardCharsets.UTF_8));
    writeMessage(out, unsigned);
    return out.toByteArray();
  }

  private static void writeMessage(Writer out, Message message) {
    String typeName = message.getDescriptorForType().getFullName();
    if (!message.getUnknownFields().asMap().isEmpty()) {
      throw new CanonicalEncodingException(
          typeName + " has unknown fields " + message.getUnknownFields().asMap().keySet()
              + ": they would not be covered by a signature");
    }
    // Extensions are not in getFields(): they would slip past the signature unencoded, so refuse them.
    if (message.getDescriptorForType().isExtendable()
        && message.getAllFields().keySet().stream().anyMatch(FieldDescriptor::isExtension)) {
      throw new CanonicalEncodingException(typeName + " carries extension fields, which cannot be signed");
    }
    for (FieldDescriptor field : FIELDS_BY_NUMBER.computeIfAbsent(message.getDescriptorForType(), CanonicalEncoding::byNumber)) {
      if (field.isMapField()) {
        throw new CanonicalEncodingException(
            typeName + "." + field.getName() + " is a map field: maps have no canonical order and cannot be signed");
      }
      if (field.isRepeated()) {
        int count = message.getRepeatedFieldCount(field);
        for (int i = 0; i < count; i++) {
          writeField(out, field, message.getRepeatedField(field, i));
        }
      } else if (message.hasField(field)) {
        // For proto3 fields without presence, hasField is true exactly when the value is not the default.
        writeField(out, field, message.getField(field));
      }
    }
  }

  /** Each type's fields in number order, sorted once per type rather than once per message. */
  private static final Map<Descriptor, List<FieldDescriptor>> FIELDS_BY_NUMBER = new ConcurrentHashMap<>();

  // getFields() is in declaration order, not number order.
  private static List<FieldDescriptor> byNumber(Descriptor type) {
    return type.getFields().stream().sorted((a, b) -> Integer.compare(a.getNumber(), b.getNumber())).toList();
  }

  private static void writeField(Writer out, FieldDescriptor field, Object value) {
    out.writeInt(field.getNumber());
    switch (field.getJavaType()) {
      case BOOLEAN -> {
        out.writeByte(TYPE_BOOL);
        out.writeByte((Boolean) value ? 1 : 0);
      }
      case INT, LONG -> {
        long v = ((Number) value).longValue();
        if (isUnsigned(field)) {
          out.writeByte(TYPE_UNSIGNED);
          // uint32/fixed32 arrive as a (possibly negative) Java int: widen without sign extension.
          out.writeLong(field.getJavaType() == FieldDescriptor.JavaType.INT ? Integer.toUnsignedLong((int) v) : v);
        } else {
          out.writeByte(TYPE_SIGNED);
          out.writeLong(v);
        }
      }
      case ENUM -> {
        out.writeByte(TYPE_ENUM);
        out.writeLong(((EnumValueDescriptor) value).getNumber());
      }
      case FLOAT -> {
        float f = (Float) value;
        if (Float.isNaN(f)) {
          throw nan(field);
        }
        out.writeByte(TYPE_FLOAT);
        out.writeInt(Float.floatToRawIntBits(f));
      }
      case DOUBLE -> {
        double d = (Double) value;
        if (Double.isNaN(d)) {
          throw nan(field);
        }
        out.writeByte(TYPE_DOUBLE);
        out.writeLong(Double.doubleToRawLongBits(d));
      }
      case STRING -> {
        out.writeByte(TYPE_STRING);
        out.writeLengthPrefixed(utf8(field, (String) value));
      }
      case BYTE_STRING -> {
        out.writeByte(TYPE_BYTES);
        out.writeLengthPrefixed(((ByteString) value).toByteArray());
      }
      case MESSAGE -> {
        out.writeByte(TYPE_MESSAGE);
        Writer nested = new Writer();
        writeMessage(nested, (Message) value);
        out.writeLengthPrefixed(nested.toByteArray());
      }
    }
  }

  /**
   * Strict UTF-8: String.getBytes would turn an unpaired surrogate into '?', so two different strings
   * would share one encoding. (Parsed protobuf strings are valid UTF-8 already; this guards strings
   * set in code.)
   */
  private static byte[] utf8(FieldDescriptor field, String s) {
    try {
      ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .encode(CharBuffer.wrap(s));
      byte[] out = new byte[encoded.remaining()];
      encoded.get(out);
      return out;
    } catch (CharacterCodingException e) {
      throw new CanonicalEncodingException(field.getFullName() + " holds an unpaired surrogate, which is not valid UTF-8");
    }
  }

  private static boolean isUnsigned(FieldDescriptor field) {
    return switch (field.getType()) {
      case UINT32, UINT64, FIXED32, FIXED64 -> true;
      default -> false;
    };
  }

  private static CanonicalEncodingException nan(FieldDescriptor field) {
    return new CanonicalEncodingException(field.getFullName() + " is NaN, which has no canonical encoding");
  }

  /** A growable big-endian byte sink; plain ByteArrayOutputStream with the few writes we need. */
  private static final class Writer {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);

    void writeByte(int b) {
      bytes.write(b);
    }

    void writeInt(int v) {
      bytes.write(v >>> 24);
      bytes.write(v >>> 16);
      bytes.write(v >>> 8);
      bytes.write(v);
    }

    void writeLong(long v) {
      writeInt((int) (v >>> 32));
      writeInt((int) v);
    }

    void writeRaw(byte[] b) {
      bytes.writeBytes(b);
    }

    void writeLengthPrefixed(byte[] b) {
      writeInt(b.length);
      bytes.writeBytes(b);
    }

    byte[] toByteArray() {
      return bytes.toByteArray();
    }
  }
}
