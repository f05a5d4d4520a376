/** Key derivation: HKDF-SHA256 (RFC 5869). */
package io.fedmesh.crypto.kdf;
