/** Secret sharing: Shamir t-of-k of 32-byte secrets over GF(2^31 + 11). */
package io.fedmesh.crypto.shamir;
