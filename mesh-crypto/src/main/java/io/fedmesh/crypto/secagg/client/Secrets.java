package io.fedmesh.crypto.secagg.client;

import io.fedmesh.crypto.agreement.X25519KeyPair;

/**
 * A client's secrets for one round, made when it advertises: its two key pairs, its self-mask seed
 * and (used in malicious-server mode only) the nonce its graph commitment hides.
 */
record Secrets(X25519KeyPair shareKeys, X25519KeyPair maskKeys, byte[] selfMaskSeed, byte[] graphNonce) {}
