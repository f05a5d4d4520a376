/**
 * Relay streams: how envelopes reach nodes behind firewalls. A node that only dials out keeps one
 * {@code Mesh.Connect} stream to a relay ({@link io.fedmesh.node.relay.Uplink}); every node routes
 * envelopes the same way ({@link io.fedmesh.node.relay.EnvelopeRouter}): delivered when addressed to
 * it, else down the recipient's open stream, else to the recipient or its relay over a dialled stream,
 * verified before it is forwarded and flow-controlled end to end. Chunked payloads with signed receipts
 * ride on top ({@link io.fedmesh.node.relay.RoutedTransfers}). See docs/operations.md, "Nodes behind a
 * firewall (relays)".
 */
package io.fedmesh.node.relay;
