/*
 * simd.c — 128-bit SIMD: the loops a -msimd128 build of image, audio and
 * hashing code spends its time in. Written with GCC/Clang vector extensions,
 * so that clang turns them into wasm v128 instructions (built with
 * -msimd128, see the cflags line below) and gcc into SSE for the native
 * checksum anchor:
 *   - f32x4 saxpy and a dot product (v128 loads/stores, f32x4 mul/add);
 *   - an 8-bit alpha blend widened to 16-bit lanes (extend, i16x8 mul,
 *     shift, narrow);
 *   - 4-lane integer hash rounds (i32x4 shifts, xor, mul);
 *   - a byte classifier counting bytes below a threshold (i8x16 compare,
 *     sub);
 *   - 4x4 f32 transposes (i8x16.shuffle).
 * The checksum folds the exact bits of every result; wasm's deterministic
 * IEEE arithmetic (no fused multiply-add) makes them identical everywhere.
 */
// cflags: -msimd128
#include "kernel.h"

#define SZ_F 4096   /* floats per array */
#define SZ_B 16384  /* bytes per image row buffer */
#define SIMD_REPS 1200

typedef float f32x4 __attribute__((vector_size(16)));
typedef uint32_t u32x4 __attribute__((vector_size(16)));
typedef int8_t i8x16 __attribute__((vector_size(16)));
typedef uint8_t u8x16 __attribute__((vector_size(16)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));
typedef uint8_t u8x8 __attribute__((vector_size(8)));

static volatile uint32_t reps = SIMD_REPS;
static f32x4 xs[SZ_F / 4], ys[SZ_F / 4];
static u8x16 img_a[SZ_B / 16], img_b[SZ_B / 16], img_out[SZ_B / 16];
static u32x4 hashes[256];

static uint32_t f32_bits(float f)
{
    union {
        float f;
        uint32_t u;
    } v = {.f = f};
    return v.u;
}

static NOINLINE uint32_t saxpy_dot(float a)
{
    f32x4 va = {a, a, a, a}, acc = {0, 0, 0, 0};
    for (int i = 0; i < SZ_F / 4; i++) {
        ys[i] = va * xs[i] + ys[i];
        acc += xs[i] * ys[i];
    }
    return f32_bits(acc[0]) ^ f32_bits(acc[1]) * 3 ^ f32_bits(acc[2]) * 5 ^ f32_bits(acc[3]) * 7;
}

/* out = (a * alpha + b * (256 - alpha)) >> 8, per byte, in 16-bit lanes. */
static NOINLINE void blend(uint16_t alpha)
{
    u16x8 al = {alpha, alpha, alpha, alpha, alpha, alpha, alpha, alpha};
    u16x8 be = 256 - al;
    for (int i = 0; i < SZ_B / 16; i++) {
        u8x16 a = img_a[i], b = img_b[i];
        u8x8 alo = __builtin_shufflevector(a, a, 0, 1, 2, 3, 4, 5, 6, 7);
        u8x8 ahi = __builtin_shufflevector(a, a, 8, 9, 10, 11, 12, 13, 14, 15);
        u8x8 blo = __builtin_shufflevector(b, b, 0, 1, 2, 3, 4, 5, 6, 7);
        u8x8 bhi = __builtin_shufflevector(b, b, 8, 9, 10, 11, 12, 13, 14, 15);
        u16x8 lo = (__builtin_convertvector(alo, u16x8) * al +
                    __builtin_convertvector(blo, u16x8) * be) >> 8;
        u16x8 hi = (__builtin_convertvector(ahi, u16x8) * al +
                    __builtin_convertvector(bhi, u16x8) * be) >> 8;
        u8x8 rlo = __builtin_convertvector(lo, u8x8), rhi = __builtin_convertvector(hi, u8x8);
        img_out[i] = __builtin_shufflevector(rlo, rhi, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                             13, 14, 15);
    }
}

/* Bytes of img_out below t, counted in 8-bit lanes (compare gives -1). */
static NOINLINE uint32_t count_below(uint8_t t)
{
    u8x16 vt = {t, t, t, t, t, t, t, t, t, t, t, t, t, t, t, t};
    uint32_t total = 0;
    for (int i = 0; i < SZ_B / 16; i += 128) { /* 128 steps cannot overflow a lane */
        i8x16 n = {0};
        for (int j = i; j < i + 128; j++)
            n -= (i8x16)(img_out[j] < vt);
        for (int k = 0; k < 16; k++)
            total += (uint8_t)n[k];
    }
    return total;
}

static NOINLINE void hash_rounds(void)
{
    for (int i = 0; i < 256; i++) {
        u32x4 h = hashes[i];
        for (int r = 0; r < 16; r++) {
            h ^= h << 13;
            h ^= h >> 17;
            h ^= h << 5;
            h = h * 0x9e3779b1u + (u32x4){1, 2, 3, 4};
        }
        hashes[i] = h;
    }
}

/* Transposes each 4x4 block of xs in place with shuffles. */
static NOINLINE void transpose_blocks(void)
{
    for (int i = 0; i < SZ_F / 4; i += 4) {
        f32x4 r0 = xs[i], r1 = xs[i + 1], r2 = xs[i + 2], r3 = xs[i + 3];
        f32x4 t0 = __builtin_shufflevector(r0, r1, 0, 4, 1, 5);
        f32x4 t1 = __builtin_shufflevector(r0, r1, 2, 6, 3, 7);
        f32x4 t2 = __builtin_shufflevector(r2, r3, 0, 4, 1, 5);
        f32x4 t3 = __builtin_shufflevector(r2, r3, 2, 6, 3, 7);
        xs[i] = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
        xs[i + 1] = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
        xs[i + 2] = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
        xs[i + 3] = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
    }
}

uint32_t run(void)
{
    uint32_t seed = 0x6b43a9b5u, h = 2166136261u;
    for (int i = 0; i < SZ_F / 4; i++)
        for (int k = 0; k < 4; k++) {
            xs[i][k] = (float)(int32_t)(xorshift32(&seed) >> 22) / 512.0f - 1.0f;
            ys[i][k] = (float)(int32_t)(xorshift32(&seed) >> 23) / 3.0f;
        }
    for (int i = 0; i < SZ_B / 16; i++)
        for (int k = 0; k < 16; k++) {
            img_a[i][k] = (uint8_t)xorshift32(&seed);
            img_b[i][k] = (uint8_t)xorshift32(&seed);
        }
    for (int i = 0; i < 256; i++)
        for (int k = 0; k < 4; k++)
            hashes[i][k] = xorshift32(&seed);
    for (uint32_t r = 0; r < reps; r++) {
        h = (h ^ saxpy_dot(0.5f + (float)r / 64.0f)) * 16777619u;
        blend((uint16_t)(r * 5 % 257));
        h = (h ^ count_below((uint8_t)(64 + r))) * 16777619u;
        hash_rounds();
        transpose_blocks();
    }
    for (int i = 0; i < 256; i++)
        for (int k = 0; k < 4; k++)
            h = (h ^ hashes[i][k]) * 16777619u;
    for (int i = 0; i < SZ_B / 16; i += 7)
        h = (h ^ img_out[i][i & 15]) * 16777619u;
    return h;
}
