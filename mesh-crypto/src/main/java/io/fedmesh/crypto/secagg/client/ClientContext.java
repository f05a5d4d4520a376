package io.fedmesh.crypto.secagg.client;

import io.fedmesh.crypto.secagg.shared.RoundKeys;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.secagg.shared.WorkMeter;
import io.fedmesh.crypto.signature.SigningKey;
import java.security.SecureRandom;

/**
 * What every client state may use: the round's parameters, the client's index, input and randomness.
 *
 * @param update the float update (quantised by the round's quantiser), or null in integer mode
 * @param integers the client's own encoding mod 2^integer_bits (integer mode), or null
 * @param identity the client's identity key (malicious-server mode), or null
 */
record ClientContext(SecAggParameters params, int me, float[] update, int[] integers, long weight, SecureRandom random,
    RoundKeys keys, WorkMeter meter, SigningKey identity) {}
