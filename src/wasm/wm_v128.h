/*
 * wm_v128.h — the interpreter's 128-bit value and the lane helpers its SIMD
 * handlers use.
 *
 * A v128 lives in two 8-byte frame slots, which are only 8-byte aligned, so
 * handlers copy it into a wm_v128 with memcpy (one unaligned vector load),
 * work on the copy and copy the result back. That also makes every handler
 * safe when its destination is one of its sources.
 *
 * Two implementations of the lane arithmetic share the one union:
 *   - the vector path (GCC/Clang vector extensions, the default with
 *     __GNUC__): whole-register expressions such as a.vu8 + b.vu8, which
 *     the compiler maps to SSE/NEON instructions;
 *   - the portable scalar path (-DWH_SIMD_SCALAR, or a compiler without the
 *     extensions): one C expression per lane, in a loop.
 * The handler tables give both forms for the operations where a vector
 * expression exists; the rest always run lane by lane. Both paths are run by
 * the test suite.
 *
 * Lane i is at byte offset i * lane size: WebAssembly lanes are
 * little-endian, and so must be the host (checked below).
 */
#ifndef WM_V128_H
#define WM_V128_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "v128 lanes are stored in host order: a little-endian host is required"
#endif

#if defined(__GNUC__) && !defined(WH_SIMD_SCALAR)
#define WM_V128_VECTOR 1
#else
#define WM_V128_VECTOR 0
#endif

#if WM_V128_VECTOR
typedef uint8_t wm_vu8 __attribute__((vector_size(16)));
typedef int8_t wm_vs8 __attribute__((vector_size(16)));
typedef uint16_t wm_vu16 __attribute__((vector_size(16)));
typedef int16_t wm_vs16 __attribute__((vector_size(16)));
typedef uint32_t wm_vu32 __attribute__((vector_size(16)));
typedef int32_t wm_vs32 __attribute__((vector_size(16)));
typedef uint64_t wm_vu64 __attribute__((vector_size(16)));
typedef int64_t wm_vs64 __attribute__((vector_size(16)));
typedef float wm_vf32 __attribute__((vector_size(16)));
typedef double wm_vf64 __attribute__((vector_size(16)));
#endif

typedef union {
    uint8_t u8[16];
    int8_t s8[16];
    uint16_t u16[8];
    int16_t s16[8];
    uint32_t u32[4];
    int32_t s32[4];
    uint64_t u64[2];
    int64_t s64[2];
    float f32[4];
    double f64[2];
#if WM_V128_VECTOR
    wm_vu8 vu8;
    wm_vs8 vs8;
    wm_vu16 vu16;
    wm_vs16 vs16;
    wm_vu32 vu32;
    wm_vs32 vs32;
    wm_vu64 vu64;
    wm_vs64 vs64;
    wm_vf32 vf32;
    wm_vf64 vf64;
#endif
} wm_v128;

/* ---- integer lanes ---- */

/* Saturation to a narrower lane (narrow, add_sat, sub_sat, q15mulr_sat). */
static inline int8_t wm__sat_s8(int32_t x)
{
    return (int8_t)(x < INT8_MIN ? INT8_MIN : x > INT8_MAX ? INT8_MAX : x);
}
static inline uint8_t wm__sat_u8(int32_t x)
{
    return (uint8_t)(x < 0 ? 0 : x > UINT8_MAX ? UINT8_MAX : x);
}
static inline int16_t wm__sat_s16(int32_t x)
{
    return (int16_t)(x < INT16_MIN ? INT16_MIN : x > INT16_MAX ? INT16_MAX : x);
}
static inline uint16_t wm__sat_u16(int32_t x)
{
    return (uint16_t)(x < 0 ? 0 : x > UINT16_MAX ? UINT16_MAX : x);
}

/* i16x8.q15mulr_sat_s: (a * b + 2^14) >> 15, saturated. Only
 * -32768 * -32768 overflows. */
static inline int16_t wm__q15mulr(int16_t a, int16_t b)
{
    return wm__sat_s16(((int32_t)a * b + 0x4000) >> 15);
}

/* ---- float lanes ---- */

/* min/max: a NaN operand gives a NaN (a + b quiets it, keeping a canonical
 * input canonical), and -0 is below +0. */
static inline float wm__vminf(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline float wm__vmaxf(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}
static inline double wm__vmin(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline double wm__vmax(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

/* Rounding: libm may return a signalling NaN as it is; WebAssembly wants it
 * quiet, which a + a does. */
#define WM__VROUND(name, T, fn)                                                                    \
    static inline T name(T a)                                                                      \
    {                                                                                              \
        return a != a ? a + a : fn(a);                                                             \
    }
WM__VROUND(wm__vceilf, float, ceilf)
WM__VROUND(wm__vfloorf, float, floorf)
WM__VROUND(wm__vtruncf, float, truncf)
WM__VROUND(wm__vnearestf, float, nearbyintf)
WM__VROUND(wm__vceil, double, ceil)
WM__VROUND(wm__vfloor, double, floor)
WM__VROUND(wm__vtrunc, double, trunc)
WM__VROUND(wm__vnearest, double, nearbyint)
#undef WM__VROUND

/* Saturating truncation (trunc_sat): NaN gives 0, out-of-range values the
 * nearest bound. The bounds are the exactly representable open limits. */
static inline int32_t wm__tsat_s32(double x)
{
    if (x != x)
        return 0;
    if (!(x > -2147483649.0))
        return INT32_MIN;
    if (!(x < 2147483648.0))
        return INT32_MAX;
    return (int32_t)x;
}
static inline uint32_t wm__tsat_u32(double x)
{
    if (x != x || !(x > -1.0))
        return 0;
    if (!(x < 4294967296.0))
        return UINT32_MAX;
    return (uint32_t)x;
}

#endif
