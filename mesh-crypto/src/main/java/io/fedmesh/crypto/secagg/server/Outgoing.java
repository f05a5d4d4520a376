package io.fedmesh.crypto.secagg.server;

import io.fedmesh.proto.v1.SecAggMessage;

/** A message the server sends to client {@code to}. */
public record Outgoing(int to, SecAggMessage message) {}
