/**
 * The canonical encoding of FedMesh messages: what every signature covers (docs/protocol.md).
 */
package io.fedmesh.proto.canonical;
