/** Signed envelopes: structure checks and the sender's signature over the canonical encoding. */
package io.fedmesh.crypto.envelope;
