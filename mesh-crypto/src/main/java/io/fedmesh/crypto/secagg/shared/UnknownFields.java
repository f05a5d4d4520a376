package io.fedmesh.crypto.secagg.shared;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Map;

/**
 * Refuses messages that carry fields this version does not know. The engines hash and sign parts of
 * what they receive in canonical form (section 3 of docs/protocol.md), which has no encoding for
 * unknown fields; refusing them on arrival keeps that failure from surfacing later, mid-phase.
 */
public final class UnknownFields {
  private UnknownFields() {}

  /** @throws ProtocolViolation ({@code MALFORMED}, naming {@code offender}) if any nested message has unknown fields */
  public static void refuse(Message message, int offender) {
    if (!message.getUnknownFields().asMap().isEmpty()) {
      throw new ProtocolViolation(ProtocolViolation.Code.MALFORMED, offender,
          message.getDescriptorForType().getName() + " carries unknown fields");
    }
    for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
      if (field.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (field.getKey().isRepeated()) {
        for (Object element : (List<?>) field.getValue()) {
          refuse((Message) element, offender);
        }
      } else {
        refuse((Message) field.getValue(), offender);
      }
    }
  }
}
