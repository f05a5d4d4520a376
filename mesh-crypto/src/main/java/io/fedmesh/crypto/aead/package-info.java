/** Authenticated encryption: AES-256-GCM with associated data. */
package io.fedmesh.crypto.aead;
