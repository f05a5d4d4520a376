/** Key agreement: X25519 (RFC 7748). */
package io.fedmesh.crypto.agreement;
