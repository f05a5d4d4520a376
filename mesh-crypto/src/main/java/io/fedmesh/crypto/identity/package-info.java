/** Node identities derived from public keys. */
package io.fedmesh.crypto.identity;
