/** Randomness: the production DRBG and the seeded generator confined to tests and simulations. */
package io.fedmesh.crypto.random;
