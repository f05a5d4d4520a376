#!/usr/bin/env python3
"""An independent implementation of FedMesh's canonical encoding (docs/protocol.md).

It shares no code with the Java encoder: it parses the protobuf wire format and the schema (a
serialised google.protobuf.FileDescriptorSet) itself, with the standard library only, and writes the
canonical encoding from the spec. CanonicalEncodingCrossCheckTest runs it and compares byte for byte.

usage: canonical.py DESCRIPTOR_SET_FILE BATCH_FILE
  BATCH_FILE has one message per line: "<full type name> <protobuf bytes in hex>".
  Prints one line per message: the canonical encoding in hex, or "ERROR <reason>".
"""
import struct
import sys

# FieldDescriptorProto.Type
DOUBLE, FLOAT, INT64, UINT64, INT32, FIXED64, FIXED32, BOOL, STRING, GROUP, MESSAGE, BYTES, UINT32, \
    ENUM, SFIXED32, SFIXED64, SINT32, SINT64 = range(1, 19)
LABEL_REPEATED = 3

T_BOOL, T_SIGNED, T_UNSIGNED, T_ENUM, T_FLOAT, T_DOUBLE, T_STRING, T_BYTES, T_MESSAGE = range(1, 10)


class Malformed(Exception):
    pass


def read_varint(buf, pos):
    result, shift = 0, 0
    while True:
        if pos >= len(buf):
            raise Malformed("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result & 0xFFFFFFFFFFFFFFFF, pos
        shift += 7
        if shift >= 70:
            raise Malformed("varint too long")


def wire_fields(buf):
    """Yields (field number, wire type, raw value) for every field on the wire, in wire order."""
    pos = 0
    while pos < len(buf):
        key, pos = read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = read_varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            length, pos = read_varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise Malformed("unsupported wire type %d" % wire)
        if pos > len(buf):
            raise Malformed("truncated field %d" % number)
        yield number, wire, value


def signed64(u):
    return u - (1 << 64) if u >= 1 << 63 else u


# The wire type each field type arrives with (repeated numeric fields may also come packed, as 2).
WIRE_TYPE = {DOUBLE: 1, FLOAT: 5, INT64: 0, UINT64: 0, INT32: 0, FIXED64: 1, FIXED32: 5, BOOL: 0,
             STRING: 2, MESSAGE: 2, BYTES: 2, UINT32: 0, ENUM: 0, SFIXED32: 5, SFIXED64: 1,
             SINT32: 0, SINT64: 0}


class Field:
    def __init__(self, name, number, label, ftype, type_name, oneof_index, proto3_optional):
        self.name, self.number, self.label, self.type = name, number, label, ftype
        self.type_name = type_name.lstrip(".")
        self.oneof_index = oneof_index
        self.explicit_presence = oneof_index is not None or proto3_optional or ftype == MESSAGE

    def accepts_wire_type(self, wire):
        expected = WIRE_TYPE.get(self.type)
        packable = self.label == LABEL_REPEATED and self.type not in (STRING, BYTES, MESSAGE)
        return wire == expected or (packable and wire == 2)


class Schema:
    """Message types by full name, read from a FileDescriptorSet with our own wire parser."""

    def __init__(self, descriptor_set):
        self.messages = {}
        self.map_entries = set()
        for number, _, file_bytes in wire_fields(descriptor_set):
            if number == 1:
                self._read_file(file_bytes)

    def _read_file(self, buf):
        package = ""
        messages = []
        for number, _, value in wire_fields(buf):
            if number == 2:
                package = value.decode()
            elif number == 4:
                messages.append(value)
        for m in messages:
            self._read_message(m, package)

    def _read_message(self, buf, scope):
        name, fields, nested, is_map_entry = None, [], [], False
        for number, _, value in wire_fields(buf):
            if number == 1:
                name = value.decode()
            elif number == 2:
                fields.append(value)
            elif number == 3:
                nested.append(value)
            elif number == 7:  # MessageOptions
                for onum, _, ovalue in wire_fields(value):
                    if onum == 7 and ovalue:
                        is_map_entry = True
        full = scope + "." + name if scope else name
        self.messages[full] = {f.number: f for f in (self._read_field(f) for f in fields)}
        if is_map_entry:
            self.map_entries.add(full)
        for n in nested:
            self._read_message(n, full)

    @staticmethod
    def _read_field(buf):
        name, number, label, ftype, type_name, oneof_index, optional = "", 0, 1, 0, "", None, False
        for num, _, value in wire_fields(buf):
            if num == 1:
                name = value.decode()
            elif num == 3:
                number = value
            elif num == 4:
                label = value
            elif num == 5:
                ftype = value
            elif num == 6:
                type_name = value.decode()
            elif num == 9:
                oneof_index = value
            elif num == 17:
                optional = bool(value)
        return Field(name, number, label, ftype, type_name, oneof_index, optional)


def scalar_entries(field, wire, raw):
    """Decodes one wire value of a scalar field into canonical (type code, value bytes) entries."""
    t = field.type
    if wire == 2 and t not in (STRING, BYTES, MESSAGE):  # packed repeated scalars
        width = 8 if t in (DOUBLE, FIXED64, SFIXED64) else 4 if t in (FLOAT, FIXED32, SFIXED32) else 0
        if width and len(raw) % width:
            raise Malformed("packed field %s has %d bytes, not a multiple of %d" % (field.name, len(raw), width))
        out, pos = [], 0
        while pos < len(raw):
            if t in (DOUBLE, FIXED64, SFIXED64):
                out.append(scalar_entries(field, 1, raw[pos:pos + 8])[0])
                pos += 8
            elif t in (FLOAT, FIXED32, SFIXED32):
                out.append(scalar_entries(field, 5, raw[pos:pos + 4])[0])
                pos += 4
            else:
                v, pos = read_varint(raw, pos)
                out.append(scalar_entries(field, 0, v)[0])
        return out
    if t == BOOL:
        return [(T_BOOL, bytes([1 if raw else 0]), raw != 0)]
    if t in (INT64, INT32):
        v = signed64(raw)
        if t == INT32:
            v = struct.unpack(">i", struct.pack(">I", v & 0xFFFFFFFF))[0]
        return [(T_SIGNED, struct.pack(">q", v), v != 0)]
    if t in (SINT32, SINT64):
        if t == SINT32:
            raw &= 0xFFFFFFFF  # a sint32 reads only the low 32 bits of its varint, then unzigzags
        v = (raw >> 1) ^ -(raw & 1)
        return [(T_SIGNED, struct.pack(">q", v), v != 0)]
    if t in (UINT64, UINT32):
        v = raw & (0xFFFFFFFF if t == UINT32 else 0xFFFFFFFFFFFFFFFF)
        return [(T_UNSIGNED, struct.pack(">Q", v), v != 0)]
    if t == ENUM:
        v = struct.unpack(">i", struct.pack(">I", raw & 0xFFFFFFFF))[0]
        return [(T_ENUM, struct.pack(">q", v), v != 0)]
    if t == FIXED32:
        v = struct.unpack("<I", raw)[0]
        return [(T_UNSIGNED, struct.pack(">Q", v), v != 0)]
    if t == SFIXED32:
        v = struct.unpack("<i", raw)[0]
        return [(T_SIGNED, struct.pack(">q", v), v != 0)]
    if t == FIXED64:
        v = struct.unpack("<Q", raw)[0]
        return [(T_UNSIGNED, struct.pack(">Q", v), v != 0)]
    if t == SFIXED64:
        v = struct.unpack("<q", raw)[0]
        return [(T_SIGNED, struct.pack(">q", v), v != 0)]
    if t == FLOAT:
        bits = struct.unpack("<I", raw)[0]
        if (bits & 0x7F800000) == 0x7F800000 and bits & 0x007FFFFF:
            raise Malformed(field.name + " is NaN")
        return [(T_FLOAT, struct.pack(">I", bits), bits != 0)]
    if t == DOUBLE:
        bits = struct.unpack("<Q", raw)[0]
        if (bits >> 52) & 0x7FF == 0x7FF and bits & ((1 << 52) - 1):
            raise Malformed(field.name + " is NaN")
        return [(T_DOUBLE, struct.pack(">Q", bits), bits != 0)]
    raise Malformed("unsupported field type %d" % t)


def encode(schema, type_name, buf):
    """Parses buf with protobuf's rules, then writes the canonical encoding of what was parsed.

    The rules that matter for agreeing with any other parser: the last value of a singular scalar
    wins; occurrences of a singular message field merge (as parsing their concatenation); setting one
    member of a oneof clears the others; a value with the wrong wire type for its field is not that
    field (protobuf keeps it as an unknown field, which the canonical encoding refuses); strings
    must be valid UTF-8.
    """
    fields = schema.messages[type_name]
    values = {}  # field number -> list of (type code, bytes, non-default)
    message_bytes = {}  # singular message field number -> concatenated occurrences
    for number, wire, raw in wire_fields(buf):
        field = fields.get(number)
        if field is None or not field.accepts_wire_type(wire):
            raise Malformed("%s has unknown field %d (wire type %d)" % (type_name, number, wire))
        if field.type == MESSAGE and field.type_name in schema.map_entries:
            raise Malformed("%s.%s is a map field" % (type_name, field.name))
        if field.oneof_index is not None:
            for other in fields.values():
                if other.oneof_index == field.oneof_index and other.number != number:
                    values.pop(other.number, None)
                    message_bytes.pop(other.number, None)
        if field.type == MESSAGE and field.label != LABEL_REPEATED:
            message_bytes[number] = message_bytes.get(number, b"") + raw
            values[number] = None  # encoded below, once every occurrence is merged
            continue
        if field.type == STRING:
            try:
                raw.decode("utf-8", errors="strict")
            except UnicodeDecodeError:
                raise Malformed("%s.%s is not valid UTF-8" % (type_name, field.name))
            entries = [(T_STRING, struct.pack(">I", len(raw)) + raw, len(raw) > 0)]
        elif field.type == BYTES:
            entries = [(T_BYTES, struct.pack(">I", len(raw)) + raw, len(raw) > 0)]
        elif field.type == MESSAGE:
            nested = encode(schema, field.type_name, raw)
            entries = [(T_MESSAGE, struct.pack(">I", len(nested)) + nested, True)]
        else:
            entries = scalar_entries(field, wire, raw)
        if field.label == LABEL_REPEATED:
            values.setdefault(number, []).extend(entries)
        else:
            values[number] = entries[-1:]  # a singular scalar that repeats on the wire: the last one wins
    for number, raw in message_bytes.items():
        nested = encode(schema, fields[number].type_name, raw)
        values[number] = [(T_MESSAGE, struct.pack(">I", len(nested)) + nested, True)]
    out = bytearray()
    for number in sorted(values):
        field = fields[number]
        for code, value, non_default in values[number]:
            if field.label != LABEL_REPEATED and not field.explicit_presence and not non_default:
                continue  # proto3 implicit presence: a default value is absent
            out += struct.pack(">IB", number, code) + value
    return bytes(out)


def main():
    schema = Schema(open(sys.argv[1], "rb").read())
    with open(sys.argv[2]) as batch:
        for line in batch:
            line = line.strip()
            if not line:
                continue
            type_name, hex_bytes = (line.split(" ") + [""])[:2]
            try:
                print(encode(schema, type_name, bytes.fromhex(hex_bytes)).hex())
            except (Malformed, KeyError, struct.error) as e:
                print("ERROR " + str(e))


if __name__ == "__main__":
    main()
