package io.fedmesh.crypto.secagg.client;

import io.fedmesh.crypto.secagg.shared.RoundKeys;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.secagg.shared.WorkMeter;
import io.fedmesh.crypto.signature.SigningKey;
import java.security.SecureRandom;

/**
 * What every client state may use: the round's parameters, the client's index, input and randomness.
 *
 * @param identity the client's identity key (malicious-server mode), or null
 */
record ClientContext(SecAggParameters params, int me, float[] update, long weight, SecureRandom random, RoundKeys keys,
    WorkMeter meter, SigningKey identity) {}
