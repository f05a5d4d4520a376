package io.fedmesh.node.raft;

import io.fedmesh.crypto.identity.NodeId;
import java.net.InetSocketAddress;

/** Where a group member's Raft port is. */
public record RaftPeerAddress(NodeId node, InetSocketAddress address) {}
