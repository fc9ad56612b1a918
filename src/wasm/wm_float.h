/*
 * wm_float.h — float operations with WebAssembly's semantics where C's
 * differ: min/max (NaN propagation, -0 below +0), copysign on the bits, and
 * rounding that quiets a signalling NaN. Shared by the scalar handlers
 * (wm_interp.c) and the SIMD lanes (wm_v128.h).
 */
#ifndef WM_FLOAT_H
#define WM_FLOAT_H

#include <math.h>
#include <string.h>

static inline float wm__fminf(float a, float b)
{
    if (a != a || b != b)
        return a + b; /* a NaN operand gives a quiet NaN */
    if (a == 0 && b == 0)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}

static inline float wm__fmaxf(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

static inline double wm__fmin(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}

static inline double wm__fmax(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

/* Rounding: libm may return a signalling NaN unchanged, but WebAssembly
 * wants a quiet one; a + a quiets it. */
#define ROUNDING(name, T, fn)                                                                      \
    static inline T name(T a)                                                                      \
    {                                                                                              \
        return a != a ? a + a : fn(a);                                                             \
    }
ROUNDING(wm__ceilf, float, ceilf)
ROUNDING(wm__floorf, float, floorf)
ROUNDING(wm__truncf, float, truncf)
ROUNDING(wm__nearestf, float, nearbyintf)
ROUNDING(wm__ceil, double, ceil)
ROUNDING(wm__floor, double, floor)
ROUNDING(wm__trunc, double, trunc)
ROUNDING(wm__nearest, double, nearbyint)
#undef ROUNDING

/* copysign on the bits, so that NaN payloads survive. */
static inline float wm__copysignf(float a, float b)
{
    uint32_t x, y;
    memcpy(&x, &a, 4);
    memcpy(&y, &b, 4);
    x = (x & 0x7fffffffu) | (y & 0x80000000u);
    memcpy(&a, &x, 4);
    return a;
}

static inline double wm__copysign(double a, double b)
{
    uint64_t x, y;
    memcpy(&x, &a, 8);
    memcpy(&y, &b, 8);
    x = (x & 0x7fffffffffffffffull) | (y & 0x8000000000000000ull);
    memcpy(&a, &x, 8);
    return a;
}

#endif
