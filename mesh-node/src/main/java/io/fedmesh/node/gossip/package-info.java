/**
 * SWIM membership: the sans-I/O engine ({@link io.fedmesh.node.gossip.SwimNode}) that says who is
 * alive, suspect or dead, with signed ALIVE news, Lifeguard's confirmations and relayed members
 * vouched for by their relay; and its runner over gRPC ({@link io.fedmesh.node.gossip.GossipRunner}).
 * Membership is observation, not permission. See docs/operations.md, "Membership (SWIM)".
 */
package io.fedmesh.node.gossip;
