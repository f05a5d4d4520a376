#!/usr/bin/env python3
"""Re-verify every block of the known-answer files in this folder.

Standalone: needs only the `cryptography` package (plus the standard library).
Each vector is checked with `cryptography` and, where practical, with an
independent pure-python computation (X25519 ladder, HKDF via hmac, RFC 6979
nonce derivation and ECDSA arithmetic).

Usage: python3 VERIFY.py   (prints "N passed, M failed"; exit status 1 on failure)
"""
import hashlib
import hmac
import os
import re
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature, encode_dss_signature)
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey, X25519PublicKey)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand

HERE = os.path.dirname(os.path.abspath(__file__))
HEX = re.compile(r'^(?:[0-9a-f]{2})*$')
NON_HEX = {'message', 'hash', 'name', 'L', 'iterations'}


# ----------------------------------------------------------------- parsing
def parse(filename):
    """Return a list of (line_number, dict) blocks; raise on format errors."""
    path = os.path.join(HERE, filename)
    with open(path, encoding='ascii') as f:
        text = f.read()
    if '\r' in text:
        raise ValueError(f'{filename}: CR characters found')
    if not text.endswith('\n'):
        raise ValueError(f'{filename}: missing final newline')
    blocks, cur, start = [], None, 0
    for no, line in enumerate(text.split('\n')[:-1], 1):
        if line.startswith('#'):
            if cur is not None:
                raise ValueError(f'{filename}:{no}: comment inside a block')
            continue
        if line == '':
            if cur is not None:
                blocks.append((start, cur))
                cur = None
            continue
        if line != line.strip():
            raise ValueError(f'{filename}:{no}: leading/trailing whitespace')
        m = re.fullmatch(r'([A-Za-z0-9_]+) =(?: (.+))?', line)
        if not m:
            raise ValueError(f'{filename}:{no}: bad line {line!r}')
        key, val = m.group(1), m.group(2) or ''
        if cur is None:
            if key != 'name':
                raise ValueError(f'{filename}:{no}: block must start with name')
            cur, start = {}, no
        if key in cur:
            raise ValueError(f'{filename}:{no}: duplicate key {key}')
        if key not in NON_HEX and not HEX.match(val):
            raise ValueError(f'{filename}:{no}: {key} is not lowercase hex')
        if key in ('L', 'iterations') and not re.fullmatch(r'[0-9]+', val):
            raise ValueError(f'{filename}:{no}: {key} is not decimal')
        cur[key] = val
    if cur is not None:
        blocks.append((start, cur))
    names = [b['name'] for _, b in blocks]
    if len(names) != len(set(names)):
        raise ValueError(f'{filename}: duplicate block names')
    return blocks


def need(b, *keys):
    missing = [k for k in keys if k not in b]
    extra = [k for k in b if k not in keys and k != 'name']
    if missing or extra:
        raise AssertionError(f'fields: missing {missing}, unexpected {extra}')


def H(b, k):
    return bytes.fromhex(b[k])


# ----------------------------------------------------------------- X25519
P25519 = 2 ** 255 - 19
A24 = 121665


def x25519_py(k: bytes, u: bytes) -> bytes:
    """RFC 7748 section 5 Montgomery ladder, straight from the text."""
    kn = bytearray(k)
    kn[0] &= 248
    kn[31] &= 127
    kn[31] |= 64
    kn = int.from_bytes(kn, 'little')
    x1 = int.from_bytes(u, 'little') & ((1 << 255) - 1)
    x1 %= P25519
    x2, z2, x3, z3, swap = 1, 0, x1, 1, 0
    for t in reversed(range(255)):
        kt = (kn >> t) & 1
        swap ^= kt
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = kt
        a = (x2 + z2) % P25519
        aa = a * a % P25519
        b_ = (x2 - z2) % P25519
        bb = b_ * b_ % P25519
        e = (aa - bb) % P25519
        c = (x3 + z3) % P25519
        d = (x3 - z3) % P25519
        da = d * a % P25519
        cb = c * b_ % P25519
        x3 = (da + cb) ** 2 % P25519
        z3 = x1 * (da - cb) ** 2 % P25519
        x2 = aa * bb % P25519
        z2 = e * (aa + A24 * e) % P25519
    if swap:
        x2, x3, z2, z3 = x3, x2, z3, z2
    return (x2 * pow(z2, P25519 - 2, P25519) % P25519).to_bytes(32, 'little')


def x25519_lib(k: bytes, u: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(k).exchange(
        X25519PublicKey.from_public_bytes(u))


def check_x25519(b):
    name = b['name']
    if 'scalar' in b:
        need(b, 'scalar', 'u', 'out')
        assert x25519_py(H(b, 'scalar'), H(b, 'u')) == H(b, 'out'), 'py ladder'
        assert x25519_lib(H(b, 'scalar'), H(b, 'u')) == H(b, 'out'), 'cryptography'
    elif 'iterations' in b:
        need(b, 'k', 'u', 'iterations', 'out')
        for impl in (x25519_lib, x25519_py):
            k, u = H(b, 'k'), H(b, 'u')
            for _ in range(int(b['iterations'])):
                k, u = impl(k, u), k
            assert k == H(b, 'out'), impl.__name__
    elif 'alice_private' in b:
        need(b, 'alice_private', 'alice_public', 'bob_private', 'bob_public', 'shared')
        base = (9).to_bytes(32, 'little')
        for who in ('alice', 'bob'):
            priv = H(b, who + '_private')
            pub = X25519PrivateKey.from_private_bytes(priv).public_key().public_bytes_raw()
            assert pub == H(b, who + '_public'), who + ' public (cryptography)'
            assert x25519_py(priv, base) == H(b, who + '_public'), who + ' public (py)'
        for impl in (x25519_lib, x25519_py):
            assert impl(H(b, 'alice_private'), H(b, 'bob_public')) == H(b, 'shared'), impl.__name__
            assert impl(H(b, 'bob_private'), H(b, 'alice_public')) == H(b, 'shared'), impl.__name__
    elif name.startswith('low-order'):
        need(b, 'u')
        u = H(b, 'u')
        assert len(u) == 32
        scalars = [hashlib.sha256(b'kat-scalar-%d' % i).digest() for i in range(8)]
        scalars += [bytes(32), b'\xff' * 32]
        for s in scalars:
            assert x25519_py(s, u) == bytes(32), 'py ladder output not all-zero'
            try:
                out = x25519_lib(s, u)
            except ValueError:
                continue  # cryptography rejects an all-zero shared secret
            assert out == bytes(32), 'cryptography output not all-zero'
    else:
        raise AssertionError('unknown x25519 block kind')


# ----------------------------------------------------------------- HKDF
def check_hkdf(b):
    need(b, 'ikm', 'salt', 'info', 'L', 'prk', 'okm')
    ikm, salt, info, L = H(b, 'ikm'), H(b, 'salt'), H(b, 'info'), int(b['L'])
    assert len(H(b, 'okm')) == L, 'len(okm) != L'
    # RFC 5869 section 2.2: empty salt means HashLen zero bytes
    prk = hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()
    assert prk == H(b, 'prk'), 'prk (hmac)'
    t, okm, i = b'', b'', 1
    while len(okm) < L:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        okm += t
        i += 1
    assert okm[:L] == H(b, 'okm'), 'okm (hmac)'
    assert HKDFExpand(hashes.SHA256(), L, info).derive(H(b, 'prk')) == H(b, 'okm'), 'HKDFExpand'
    lib = HKDF(hashes.SHA256(), L, salt if salt else None, info).derive(ikm)
    assert lib == H(b, 'okm'), 'cryptography HKDF'


# ----------------------------------------------------------------- ECDSA P-256
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
QLEN = N.bit_length()
RLEN = (QLEN + 7) // 8
HASHES = {
    'SHA-1': (hashlib.sha1, hashes.SHA1),
    'SHA-224': (hashlib.sha224, hashes.SHA224),
    'SHA-256': (hashlib.sha256, hashes.SHA256),
    'SHA-384': (hashlib.sha384, hashes.SHA384),
    'SHA-512': (hashlib.sha512, hashes.SHA512),
}


def bits2int(bs):
    v = int.from_bytes(bs, 'big')
    blen = len(bs) * 8
    return v >> (blen - QLEN) if blen > QLEN else v


def int2octets(v):
    return v.to_bytes(RLEN, 'big')


def bits2octets(bs):
    return int2octets(bits2int(bs) % N)


def rfc6979_k(x, h1, hf):
    """RFC 6979 section 3.2 steps a-h (returns the first valid k)."""
    hlen = hf().digest_size
    V = b'\x01' * hlen
    K = b'\x00' * hlen
    seed = int2octets(x) + bits2octets(h1)
    K = hmac.new(K, V + b'\x00' + seed, hf).digest()
    V = hmac.new(K, V, hf).digest()
    K = hmac.new(K, V + b'\x01' + seed, hf).digest()
    V = hmac.new(K, V, hf).digest()
    while True:
        T = b''
        while len(T) < RLEN:
            V = hmac.new(K, V, hf).digest()
            T += V
        k = bits2int(T[:RLEN])
        if 1 <= k < N:
            return k
        K = hmac.new(K, V + b'\x00', hf).digest()
        V = hmac.new(K, V, hf).digest()


def check_ecdsa(b):
    need(b, 'hash', 'message', 'x', 'ux', 'uy', 'k', 'r', 's')
    hf, lib_hash = HASHES[b['hash']]
    msg = b['message'].encode('ascii')
    x, k = int(b['x'], 16), int(b['k'], 16)
    r, s = int(b['r'], 16), int(b['s'], 16)
    for f in ('x', 'ux', 'uy', 'k', 'r', 's'):
        assert len(b[f]) == 64, f + ' is not 32 bytes'
    priv = ec.derive_private_key(x, ec.SECP256R1())
    pub = priv.public_key()
    nums = pub.public_numbers()
    assert (nums.x, nums.y) == (int(b['ux'], 16), int(b['uy'], 16)), 'public key'
    h1 = hf(msg).digest()
    assert rfc6979_k(x, h1, hf) == k, 'RFC 6979 k'
    kG = ec.derive_private_key(k, ec.SECP256R1()).public_key().public_numbers()
    assert kG.x % N == r, 'r != (kG).x mod n'
    e = bits2int(h1) % N
    assert s == pow(k, -1, N) * (e + x * r) % N, 's != k^-1 (h + x r) mod n'
    pub.verify(encode_dss_signature(r, s), msg, ec.ECDSA(lib_hash()))
    try:
        pub.verify(encode_dss_signature(r, (s + 1) % N), msg, ec.ECDSA(lib_hash()))
        raise AssertionError('tampered signature verified')
    except InvalidSignature:
        pass
    try:
        alg = ec.ECDSA(lib_hash(), deterministic_signing=True)
    except TypeError:  # older cryptography: no deterministic signing
        alg = None
    if alg is not None:
        assert decode_dss_signature(priv.sign(msg, alg)) == (r, s), 'deterministic_signing'


# ----------------------------------------------------------------- AES-GCM
def check_gcm(b):
    need(b, 'key', 'iv', 'plaintext', 'aad', 'ciphertext', 'tag')
    key, iv = H(b, 'key'), H(b, 'iv')
    assert len(key) == 32, 'key is not 32 bytes'
    assert len(iv) == 12, 'iv is not 12 bytes'
    assert len(H(b, 'tag')) == 16, 'tag is not 16 bytes'
    assert len(H(b, 'ciphertext')) == len(H(b, 'plaintext')), 'ct/pt length'
    aad = H(b, 'aad') or None
    g = AESGCM(key)
    assert g.encrypt(iv, H(b, 'plaintext'), aad) == H(b, 'ciphertext') + H(b, 'tag'), 'encrypt'
    assert g.decrypt(iv, H(b, 'ciphertext') + H(b, 'tag'), aad) == H(b, 'plaintext'), 'decrypt'


FILES = [
    ('x25519.txt', check_x25519),
    ('hkdf-sha256.txt', check_hkdf),
    ('ecdsa-p256-rfc6979.txt', check_ecdsa),
    ('aes-gcm.txt', check_gcm),
]


def main():
    passed = failed = 0
    for fn, check in FILES:
        try:
            blocks = parse(fn)
        except Exception as ex:  # noqa: BLE001
            print(f'FAIL {fn}: parse error: {ex}')
            failed += 1
            continue
        n_ok = 0
        for line, b in blocks:
            try:
                check(b)
                passed += 1
                n_ok += 1
            except Exception as ex:  # noqa: BLE001
                failed += 1
                print(f'FAIL {fn}:{line} {b.get("name")}: {type(ex).__name__}: {ex}')
        print(f'{fn}: {n_ok}/{len(blocks)} blocks passed')
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
