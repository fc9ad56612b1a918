/*
 * sha256.c — integer ops: SHA-256 as FIPS 180-4 section 6.2 describes it
 * (32-bit rotates, shifts, xor/and/not, big-endian word loads), over a
 * generated buffer, chained so each round depends on the last. run() first
 * checks two test vectors from the standard's examples and returns 0 if
 * they do not match, so a wrong engine cannot hide behind a checksum.
 */
#include "kernel.h"

#define SHA_BUF 65536u
#define SHA_ROUNDS 40

static volatile uint32_t rounds = SHA_ROUNDS;
static uint8_t buf[SHA_BUF];

/* FIPS 180-4 4.2.2: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
};

/* FIPS 180-4 5.3.3: the first 32 bits of the fractional parts of the square
 * roots of the first 8 primes. */
static const uint32_t H0[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static inline uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

/* FIPS 180-4 4.1.2 */
#define CH(x, y, z) (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define BSIG0(x) (rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22))
#define BSIG1(x) (rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25))
#define SSIG0(x) (rotr(x, 7) ^ rotr(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (rotr(x, 17) ^ rotr(x, 19) ^ ((x) >> 10))

/* FIPS 180-4 6.2.2: one 512-bit block. */
static void compress(uint32_t h[8], const uint8_t *block)
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)block[4 * t] << 24 | (uint32_t)block[4 * t + 1] << 16 |
               (uint32_t)block[4 * t + 2] << 8 | block[4 * t + 3];
    for (int t = 16; t < 64; t++)
        w[t] = SSIG1(w[t - 2]) + w[t - 7] + SSIG0(w[t - 15]) + w[t - 16];
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t t1 = hh + BSIG1(e) + CH(e, f, g) + K[t] + w[t];
        uint32_t t2 = BSIG0(a) + MAJ(a, b, c);
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d;
    h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

/* FIPS 180-4 5.1.1 padding, then 6.2.2 over every block. */
static void sha256(const uint8_t *msg, uint32_t len, uint32_t out[8])
{
    uint32_t h[8];
    for (int i = 0; i < 8; i++)
        h[i] = H0[i];
    uint32_t done = 0;
    for (; len - done >= 64; done += 64)
        compress(h, msg + done);
    uint8_t last[128];
    uint32_t rest = len - done;
    for (uint32_t i = 0; i < rest; i++)
        last[i] = msg[done + i];
    last[rest] = 0x80;
    uint32_t total = rest + 1 + 8 <= 64 ? 64 : 128;
    for (uint32_t i = rest + 1; i < total - 8; i++)
        last[i] = 0;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        last[total - 1 - i] = (uint8_t)(bits >> (8 * i));
    compress(h, last);
    if (total == 128)
        compress(h, last + 64);
    for (int i = 0; i < 8; i++)
        out[i] = h[i];
}

static int digest_is(const char *msg, const uint32_t want[8])
{
    uint32_t len = 0, got[8];
    while (msg[len])
        len++;
    sha256((const uint8_t *)msg, len, got);
    for (int i = 0; i < 8; i++)
        if (got[i] != want[i])
            return 0;
    return 1;
}

uint32_t run(void)
{
    /* FIPS 180-2 appendix B.1 and B.2 (one block and two blocks). */
    static const uint32_t abc[8] = {0xba7816bf, 0x8f01cfea, 0x414140de, 0x5dae2223,
                                    0xb00361a3, 0x96177a9c, 0xb410ff61, 0xf20015ad};
    static const uint32_t two[8] = {0x248d6a61, 0xd20638b8, 0xe5c02693, 0x0c3e6039,
                                    0xa33ce459, 0x64ff2167, 0xf6ecedd4, 0x19db06c1};
    if (!digest_is("abc", abc) ||
        !digest_is("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", two))
        return 0;

    uint32_t seed = 0x9e3779b9u;
    for (uint32_t i = 0; i < SHA_BUF; i++)
        buf[i] = (uint8_t)(xorshift32(&seed) >> 24);
    uint32_t d[8] = {0}, check = 0;
    for (uint32_t r = 0; r < rounds; r++) {
        /* Hash a different length each round, then feed the digest back in. */
        sha256(buf, SHA_BUF - r * 7u, d);
        for (int i = 0; i < 8; i++) {
            buf[4 * i] ^= (uint8_t)(d[i] >> 24);
            buf[4 * i + 1] ^= (uint8_t)(d[i] >> 16);
            buf[4 * i + 2] ^= (uint8_t)(d[i] >> 8);
            buf[4 * i + 3] ^= (uint8_t)d[i];
        }
        check = check * 33u ^ d[0] ^ d[7];
    }
    return check;
}
