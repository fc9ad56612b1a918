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

#include "wm_float.h"

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

/* With SSE2 (every x86-64), a few operations that the vector extensions
 * cannot express in one step use its intrinsics: saturating arithmetic,
 * narrowing, widening, bitmask and all_true. */
#if WM_V128_VECTOR && defined(__SSE2__)
#define WM_V128_SSE2 1
#include <emmintrin.h>
#else
#define WM_V128_SSE2 0
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

/* ---- vector-path helpers ----
 * Each has a lane-by-lane fallback for vector builds without SSE2 (other
 * architectures); the scalar path does not use them. */
#if WM_V128_VECTOR
#if WM_V128_SSE2
#define WM__M(v) ((__m128i)(v))
#define WM__SSE_OR(T, sse, lanes) return (T)(sse);
#else
#define WM__SSE_OR(T, sse, lanes)                                                                  \
    T r = {0};                                                                                     \
    for (int i = 0; i < (int)(sizeof r / sizeof r[0]); i++)                                        \
        r[i] = (lanes);                                                                            \
    return r;
#endif

static inline wm_vs8 wm__vadds_s8(wm_vs8 a, wm_vs8 b)
{
    WM__SSE_OR(wm_vs8, _mm_adds_epi8(WM__M(a), WM__M(b)), wm__sat_s8(a[i] + b[i]))
}
static inline wm_vs8 wm__vsubs_s8(wm_vs8 a, wm_vs8 b)
{
    WM__SSE_OR(wm_vs8, _mm_subs_epi8(WM__M(a), WM__M(b)), wm__sat_s8(a[i] - b[i]))
}
static inline wm_vs16 wm__vadds_s16(wm_vs16 a, wm_vs16 b)
{
    WM__SSE_OR(wm_vs16, _mm_adds_epi16(WM__M(a), WM__M(b)), wm__sat_s16(a[i] + b[i]))
}
static inline wm_vs16 wm__vsubs_s16(wm_vs16 a, wm_vs16 b)
{
    WM__SSE_OR(wm_vs16, _mm_subs_epi16(WM__M(a), WM__M(b)), wm__sat_s16(a[i] - b[i]))
}
/* Narrowing: a gives the low lanes, b the high ones (packs/packus read
 * their input as signed, as WebAssembly's narrow does). */
static inline wm_vs8 wm__vnarrow_s8(wm_vs16 a, wm_vs16 b)
{
    WM__SSE_OR(wm_vs8, _mm_packs_epi16(WM__M(a), WM__M(b)), wm__sat_s8(i < 8 ? a[i & 7] : b[i & 7]))
}
static inline wm_vu8 wm__vnarrow_u8(wm_vs16 a, wm_vs16 b)
{
    WM__SSE_OR(wm_vu8, _mm_packus_epi16(WM__M(a), WM__M(b)),
                wm__sat_u8(i < 8 ? a[i & 7] : b[i & 7]))
}
static inline wm_vs16 wm__vnarrow_s16(wm_vs32 a, wm_vs32 b)
{
    WM__SSE_OR(wm_vs16, _mm_packs_epi32(WM__M(a), WM__M(b)),
                wm__sat_s16(i < 4 ? a[i & 3] : b[i & 3]))
}

/* Widening of the low (hi = 0) or high (hi = 1) half. With SSE2: interleave
 * the half with itself and shift right arithmetically, or with zeros. */
static inline wm_vs16 wm__vext_s8(wm_vs8 a, int hi)
{
#if WM_V128_SSE2
    __m128i x = hi ? _mm_unpackhi_epi8(WM__M(a), WM__M(a)) : _mm_unpacklo_epi8(WM__M(a), WM__M(a));
    return (wm_vs16)_mm_srai_epi16(x, 8);
#else
    wm_vs16 r = {0};
    for (int i = 0; i < 8; i++)
        r[i] = a[i + 8 * hi];
    return r;
#endif
}
static inline wm_vu16 wm__vext_u8(wm_vu8 a, int hi)
{
#if WM_V128_SSE2
    __m128i z = _mm_setzero_si128();
    return (wm_vu16)(hi ? _mm_unpackhi_epi8(WM__M(a), z) : _mm_unpacklo_epi8(WM__M(a), z));
#else
    wm_vu16 r = {0};
    for (int i = 0; i < 8; i++)
        r[i] = a[i + 8 * hi];
    return r;
#endif
}
static inline wm_vs32 wm__vext_s16(wm_vs16 a, int hi)
{
#if WM_V128_SSE2
    __m128i x =
        hi ? _mm_unpackhi_epi16(WM__M(a), WM__M(a)) : _mm_unpacklo_epi16(WM__M(a), WM__M(a));
    return (wm_vs32)_mm_srai_epi32(x, 16);
#else
    wm_vs32 r = {0};
    for (int i = 0; i < 4; i++)
        r[i] = a[i + 4 * hi];
    return r;
#endif
}
static inline wm_vu32 wm__vext_u16(wm_vu16 a, int hi)
{
#if WM_V128_SSE2
    __m128i z = _mm_setzero_si128();
    return (wm_vu32)(hi ? _mm_unpackhi_epi16(WM__M(a), z) : _mm_unpacklo_epi16(WM__M(a), z));
#else
    wm_vu32 r = {0};
    for (int i = 0; i < 4; i++)
        r[i] = a[i + 4 * hi];
    return r;
#endif
}
static inline wm_vs64 wm__vext_s32(wm_vs32 a, int hi)
{
#if WM_V128_SSE2
    __m128i sign = _mm_srai_epi32(WM__M(a), 31);
    return (wm_vs64)(hi ? _mm_unpackhi_epi32(WM__M(a), sign) : _mm_unpacklo_epi32(WM__M(a), sign));
#else
    wm_vs64 r = {0};
    for (int i = 0; i < 2; i++)
        r[i] = a[i + 2 * hi];
    return r;
#endif
}
static inline wm_vu64 wm__vext_u32(wm_vu32 a, int hi)
{
#if WM_V128_SSE2
    __m128i z = _mm_setzero_si128();
    return (wm_vu64)(hi ? _mm_unpackhi_epi32(WM__M(a), z) : _mm_unpacklo_epi32(WM__M(a), z));
#else
    wm_vu64 r = {0};
    for (int i = 0; i < 2; i++)
        r[i] = a[i + 2 * hi];
    return r;
#endif
}

/* bitmask: the top bit of each lane; all_true: no lane is zero. The lane
 * fallback is in the table (WM_SIMD_TEST). */
#if WM_V128_SSE2
static inline uint32_t wm__vbitmask8(wm_vu8 a)
{
    return (uint32_t)_mm_movemask_epi8(WM__M(a));
}
static inline uint32_t wm__vbitmask16(wm_vu16 a)
{
    return (uint32_t)_mm_movemask_epi8(_mm_packs_epi16(WM__M(a), _mm_setzero_si128()));
}
static inline uint32_t wm__vbitmask32(wm_vu32 a)
{
    return (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(WM__M(a)));
}
static inline uint32_t wm__vbitmask64(wm_vu64 a)
{
    return (uint32_t)_mm_movemask_pd(_mm_castsi128_pd(WM__M(a)));
}
static inline uint32_t wm__valltrue8(wm_vu8 a)
{
    return _mm_movemask_epi8(_mm_cmpeq_epi8(WM__M(a), _mm_setzero_si128())) == 0;
}
static inline uint32_t wm__valltrue16(wm_vu16 a)
{
    return _mm_movemask_epi8(_mm_cmpeq_epi16(WM__M(a), _mm_setzero_si128())) == 0;
}
static inline uint32_t wm__valltrue32(wm_vu32 a)
{
    return _mm_movemask_epi8(_mm_cmpeq_epi32(WM__M(a), _mm_setzero_si128())) == 0;
}
static inline uint32_t wm__valltrue64(wm_vu64 a)
{
    /* A 64-bit lane is zero when both of its 32-bit halves are. */
    int z = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(WM__M(a), _mm_setzero_si128())));
    return (z & 3) != 3 && (z & 12) != 12;
}
#endif
#undef WM__SSE_OR
#endif

#endif
