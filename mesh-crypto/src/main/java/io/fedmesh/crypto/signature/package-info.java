/** Signatures: ECDSA P-256 with SHA-256 and RFC 6979 deterministic nonces. */
package io.fedmesh.crypto.signature;
