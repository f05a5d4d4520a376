/**
 * FedMesh's cryptography: primitives on Bouncy Castle's lightweight API and the JDK's SunJCE AES,
 * quantisation, X.509, and (later) the SecAgg+ engine. Sans-I/O: nothing here opens a socket, starts a
 * thread or reads a clock; randomness is always passed in as a {@link java.security.SecureRandom}.
 * Bad input throws a subclass of {@link io.fedmesh.crypto.CryptoException}.
 */
package io.fedmesh.crypto;
