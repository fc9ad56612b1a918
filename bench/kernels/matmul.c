/*
 * matmul.c — floats: C = A * B on square f64 matrices (i-k-j order), then
 * a scaled f32 copy. Loads, stores, f64 mul/add and f32/f64 conversions.
 * The checksum folds the exact bit patterns of the results, which wasm's
 * deterministic IEEE arithmetic makes identical on every engine.
 */
#include "kernel.h"

#define MM_N 160
#define MM_REPS 4

static volatile uint32_t reps = MM_REPS;
static double a[MM_N][MM_N], b[MM_N][MM_N], c[MM_N][MM_N];
static float cf[MM_N][MM_N];

static uint64_t f64_bits(double d)
{
    union {
        double d;
        uint64_t u;
    } v = {.d = d};
    return v.u;
}

static uint32_t f32_bits(float f)
{
    union {
        float f;
        uint32_t u;
    } v = {.f = f};
    return v.u;
}

uint32_t run(void)
{
    uint32_t seed = 0x2545f491u;
    uint64_t h = 1469598103934665603ull;
    for (uint32_t r = 0; r < reps; r++) {
        for (int i = 0; i < MM_N; i++) {
            for (int j = 0; j < MM_N; j++) {
                /* Values in [-1, 1) with few significant bits, then an inexact one. */
                a[i][j] = (double)(int32_t)(xorshift32(&seed) >> 20) / 2048.0 - 1.0;
                b[i][j] = (double)(int32_t)(xorshift32(&seed) >> 16) / 3.0e4;
                c[i][j] = 0.0;
            }
        }
        for (int i = 0; i < MM_N; i++) {
            for (int k = 0; k < MM_N; k++) {
                double aik = a[i][k];
                for (int j = 0; j < MM_N; j++)
                    c[i][j] += aik * b[k][j];
            }
        }
        for (int i = 0; i < MM_N; i++)
            for (int j = 0; j < MM_N; j++)
                cf[i][j] = (float)(c[i][j] * 0.5);
        for (int i = 0; i < MM_N; i++) {
            for (int j = 0; j < MM_N; j++) {
                h = (h ^ f64_bits(c[i][j])) * 1099511628211ull;
                h = (h ^ f32_bits(cf[i][j])) * 1099511628211ull;
            }
        }
    }
    return (uint32_t)(h ^ (h >> 32));
}
