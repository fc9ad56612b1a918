/*
 * wm_interp_simd.h — handlers of the SIMD opcodes listed in wm_simd.h.
 * Included inside the interpreter's dispatch loop (wm_interp.c), where
 * vmcase, S(), NEXT(), EA() and TRAP() are defined.
 *
 * Operand layouts (d, a, b, c: slots; a v128 is the pair of slots from its
 * index; l: lane immediate):
 *   unary, test, splat   OP d a              binary, shift  OP d a b
 *   extract_lane         OP d a l            replace_lane   OP d a x l
 *   bitselect, ternary   OP d a b c          shuffle        OP d a b w0 w1 w2 w3
 *   load                 OP d addr offset    load_lane      OP d addr v offset l
 *   store                OP addr v offset    store_lane     OP addr v offset l
 * Every handler reads its operands into locals before it writes d, because d
 * may be one of the sources.
 */

#define SV_GET(v, i) memcpy(&(v), &fp[ip[i]], 16)
#define SV_PUT(i, v) memcpy(&fp[ip[i]], &(v), 16)
#define SV_LANES(rf, L, expr)                                                                      \
    for (int i = 0; i < (L); i++)                                                                  \
        r.rf[i] = (__typeof__(r.rf[0]))(expr);

#if WM_V128_VECTOR
#define SV_VEC(rf, L, expr, vm, vexpr) r.vm = (__typeof__(r.vm))(vexpr);
#else
#define SV_VEC(rf, L, expr, vm, vexpr) SV_LANES(rf, L, expr)
#endif

#define HS_V2(n, sub, rf, L, expr)                                                                 \
    vmcase(n)                                                                                      \
    {                                                                                              \
        wm_v128 a, b, r;                                                                           \
        SV_GET(a, 2);                                                                              \
        SV_GET(b, 3);                                                                              \
        SV_LANES(rf, L, expr)                                                                      \
        SV_PUT(1, r);                                                                              \
        NEXT(4);                                                                                   \
    }
#define HS_V2V(n, sub, rf, L, expr, vm, vexpr)                                                     \
    vmcase(n)                                                                                      \
    {                                                                                              \
        wm_v128 a, b, r;                                                                           \
        SV_GET(a, 2);                                                                              \
        SV_GET(b, 3);                                                                              \
        SV_VEC(rf, L, expr, vm, vexpr)                                                             \
        SV_PUT(1, r);                                                                              \
        NEXT(4);                                                                                   \
    }
#define HS_V3(n, sub, rf, L, expr)                                                                 \
    vmcase(n)                                                                                      \
    {                                                                                              \
        wm_v128 a, b, c, r;                                                                        \
        SV_GET(a, 2);                                                                              \
        SV_GET(b, 3);                                                                              \
        SV_GET(c, 4);                                                                              \
        SV_LANES(rf, L, expr)                                                                      \
        SV_PUT(1, r);                                                                              \
        NEXT(5);                                                                                   \
    }
#define HS_V1(n, sub, rf, L, expr)                                                                 \
    vmcase(n)                                                                                      \
    {                                                                                              \
        wm_v128 a, r;                                                                              \
        SV_GET(a, 2);                                                                              \
        SV_LANES(rf, L, expr)                                                                      \
        SV_PUT(1, r);                                                                              \
        NEXT(3);                                                                                   \
    }
#define HS_V1V(n, sub, rf, L, expr, vm, vexpr)                                                     \
    vmcase(n)                                                                                      \
    {                                                                                              \
        wm_v128 a, r;                                                                              \
        SV_GET(a, 2);                                                                              \
        SV_VEC(rf, L, expr, vm, vexpr)                                                             \
        SV_PUT(1, r);                                                                              \
        NEXT(3);                                                                                   \
    }
#define HS_SHIFT(n_, sub, rf, L, expr, vm, vexpr)                                                  \
    vmcase(n_)                                                                                     \
    {                                                                                              \
        wm_v128 a, r;                                                                              \
        SV_GET(a, 2);                                                                              \
        int n = (int)(S(3).i32 & (128 / (L) - 1));                                                 \
        SV_VEC(rf, L, expr, vm, vexpr)                                                             \
        SV_PUT(1, r);                                                                              \
        NEXT(4);                                                                                   \
    }
#if WM_V128_SSE2
#define SV_FOLD(L, init, step, vexpr) uint32_t r = (vexpr);
#else
#define SV_FOLD(L, init, step, vexpr)                                                              \
    uint32_t r = (init);                                                                           \
    for (int i = 0; i < (L); i++)                                                                  \
        step;
#endif
#define HS_TEST(n, sub, L, init, step, vexpr)                                                      \
    vmcase(n)                                                                                      \
    {                                                                                              \
        wm_v128 a;                                                                                 \
        SV_GET(a, 2);                                                                              \
        SV_FOLD(L, init, step, vexpr)                                                              \
        S(1).i64 = r;                                                                              \
        NEXT(3);                                                                                   \
    }
#define HS_SPLAT(n, sub, st, rf, L, expr)                                                          \
    vmcase(n)                                                                                      \
    {                                                                                              \
        wm_slot x = S(2);                                                                          \
        wm_v128 r;                                                                                 \
        SV_LANES(rf, L, expr)                                                                      \
        SV_PUT(1, r);                                                                              \
        NEXT(3);                                                                                   \
    }
#define HS_EXTRACT(n, sub, st, L, expr)                                                            \
    vmcase(n)                                                                                      \
    {                                                                                              \
        wm_v128 a;                                                                                 \
        SV_GET(a, 2);                                                                              \
        uint32_t l = ip[3];                                                                        \
        S(1).i64 = (expr);                                                                         \
        NEXT(4);                                                                                   \
    }
#define HS_REPLACE(n, sub, st, rf, L, expr)                                                        \
    vmcase(n)                                                                                      \
    {                                                                                              \
        wm_v128 r;                                                                                 \
        SV_GET(r, 2);                                                                              \
        wm_slot x = S(3);                                                                          \
        r.rf[ip[4]] = (__typeof__(r.rf[0]))(expr);                                                 \
        SV_PUT(1, r);                                                                              \
        NEXT(5);                                                                                   \
    }
#define HS_LOAD(n, sub, nbytes, rf, L, expr)                                                       \
    vmcase(n)                                                                                      \
    {                                                                                              \
        EA(ip[2], ip[3], nbytes);                                                                  \
        wm_v128 t, r;                                                                              \
        if ((nbytes) < 16)                                                                         \
            memset(&t, 0, 16);                                                                     \
        memcpy(&t, mem + ea, nbytes);                                                              \
        SV_LANES(rf, L, expr)                                                                      \
        SV_PUT(1, r);                                                                              \
        NEXT(4);                                                                                   \
    }
#define HS_LANE_LOAD(n, sub, nbytes, rf, L)                                                        \
    vmcase(n)                                                                                      \
    {                                                                                              \
        EA(ip[2], ip[4], nbytes);                                                                  \
        wm_v128 r;                                                                                 \
        SV_GET(r, 3);                                                                              \
        memcpy(&r.rf[ip[5]], mem + ea, nbytes);                                                    \
        SV_PUT(1, r);                                                                              \
        NEXT(6);                                                                                   \
    }
#define HS_LANE_STORE(n, sub, nbytes, rf, L)                                                       \
    vmcase(n)                                                                                      \
    {                                                                                              \
        EA(ip[1], ip[3], nbytes);                                                                  \
        wm_v128 a;                                                                                 \
        SV_GET(a, 2);                                                                              \
        memcpy(mem + ea, &a.rf[ip[4]], nbytes);                                                    \
        NEXT(5);                                                                                   \
    }

WM_SIMD_V2V(WM_SIMD_ALL, HS_V2V)
WM_SIMD_V2(WM_SIMD_ALL, HS_V2)
WM_SIMD_V1V(WM_SIMD_ALL, HS_V1V)
WM_SIMD_V1(WM_SIMD_ALL, HS_V1)
WM_SIMD_SHIFT(WM_SIMD_ALL, HS_SHIFT)
WM_SIMD_TEST(WM_SIMD_ALL, HS_TEST)
WM_SIMD_SPLAT(WM_SIMD_ALL, HS_SPLAT)
WM_SIMD_EXTRACT(WM_SIMD_ALL, HS_EXTRACT)
WM_SIMD_REPLACE(WM_SIMD_ALL, HS_REPLACE)
WM_SIMD_LOADS(WM_SIMD_ALL, HS_LOAD)
WM_SIMD_LANE_LOADS(WM_SIMD_ALL, HS_LANE_LOAD)
WM_SIMD_LANE_STORES(WM_SIMD_ALL, HS_LANE_STORE)
WM_SIMD_RELAXED_V2(WM_SIMD_ALL, HS_V2)
WM_SIMD_RELAXED_V3(WM_SIMD_ALL, HS_V3)

#undef HS_V2
#undef HS_V2V
#undef HS_V3
#undef HS_V1
#undef HS_V1V
#undef HS_SHIFT
#undef HS_TEST
#undef HS_SPLAT
#undef HS_EXTRACT
#undef HS_REPLACE
#undef HS_LOAD
#undef HS_LANE_LOAD
#undef HS_LANE_STORE

vmcase(V128_STORE)
{
    EA(ip[1], ip[3], 16);
    memcpy(mem + ea, &fp[ip[2]], 16);
    NEXT(4);
}
vmcase(V128_BITSELECT)
{
    wm_v128 a, b, c, r;
    SV_GET(a, 2);
    SV_GET(b, 3);
    SV_GET(c, 4);
#if WM_V128_VECTOR
    r.vu64 = (a.vu64 & c.vu64) | (b.vu64 & ~c.vu64);
#else
    for (int i = 0; i < 2; i++)
        r.u64[i] = (a.u64[i] & c.u64[i]) | (b.u64[i] & ~c.u64[i]);
#endif
    SV_PUT(1, r);
    NEXT(5);
}
vmcase(I8X16_SHUFFLE)
{
    /* Lane indices (validated < 32) are the bytes of words 4..7 and index
     * the 32 bytes of a then b. */
    uint8_t ab[32], idx[16];
    wm_v128 r;
    memcpy(ab, &fp[ip[2]], 16);
    memcpy(ab + 16, &fp[ip[3]], 16);
    memcpy(idx, ip + 4, 16);
    for (int i = 0; i < 16; i++)
        r.u8[i] = ab[idx[i] & 31];
    SV_PUT(1, r);
    NEXT(8);
}

#undef SV_GET
#undef SV_PUT
#undef SV_LANES
#undef SV_VEC
#undef SV_FOLD
