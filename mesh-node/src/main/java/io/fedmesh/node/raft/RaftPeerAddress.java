package io.fedmesh.node.raft;
public record RaftPeerAddress(io.fedmesh.crypto.identity.NodeId node, java.net.InetSocketAddress address) {}
