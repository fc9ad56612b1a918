/*
 * wm_compile_simd.c — the 0xfd-prefixed (v128 SIMD) instructions: reads the
 * sub-opcode and its immediates, validates and emits code in the layouts
 * listed in wm_interp_simd.h. The instruction tables are in wm_simd.h.
 *
 * v128.const emits nothing: like the other constants it stays on the
 * operand stack until a consumer needs it in a slot (then CONST128).
 */
#include "wm_compile.h"

static const uint8_t VV[] = {WM_V128, WM_V128, WM_V128};

/* A load or store of memory mem: an address (i32, or i64 for a 64-bit
 * memory), then for nin == 2 a v128. */
static wh_rc mem_op(cc *c, wm_irop op, uint32_t mem, uint32_t nin, uint8_t out,
                    const uint32_t *imms, uint32_t nimm)
{
    const uint8_t in[] = {cc_addr_type(c, mem), WM_V128};
    cc_addr64_at(c, nin - 1, WM_TRAP_MEMORY_OOB);
    return CC_ON_MEM(c, mem, cc_generic(c, op, in, nin, out, imms, nimm, false));
}

static uint32_t log2_size(uint32_t nbytes)
{
    return nbytes == 16 ? 4 : cc_log2_bytes(nbytes);
}

/* A lane immediate: one byte, below the number of lanes. */
static wh_rc read_lane(cc *c, uint32_t count, uint32_t *lane)
{
    uint8_t b;
    CHK(wm__read_u8(c->r, &b, c->err));
    if (b >= count)
        return cc_fail(c, WH_INVALID, "invalid lane index");
    *lane = b;
    return WH_OK;
}

static wh_rc read_bytes16(cc *c, uint8_t out[16])
{
    const uint8_t *b;
    CHK(wm__read_bytes(c->r, 16, &b, c->err));
    memcpy(out, b, 16);
    return WH_OK;
}

static wh_rc op_const(cc *c)
{
    uint8_t b[16];
    uint64_t lo, hi;
    CHK(read_bytes16(c, b));
    memcpy(&lo, b, 8);
    memcpy(&hi, b + 8, 8);
    return cc_push_const(c, WM_V128, lo, hi);
}

static wh_rc op_shuffle(cc *c)
{
    uint8_t b[16];
    uint32_t words[4];
    CHK(read_bytes16(c, b));
    for (int i = 0; i < 16; i++)
        if (b[i] >= 32)
            return cc_fail(c, WH_INVALID, "invalid lane index");
    memcpy(words, b, 16);
    return cc_generic(c, WM_OP_I8X16_SHUFFLE, VV, 2, WM_V128, words, 4, false);
}

/* Relaxed SIMD: refused as an unknown opcode unless the feature is on. */
static wh_rc op_relaxed(cc *c, uint32_t sub)
{
    if (!(c->m->cfg.features & WM_FEATURE_RELAXED_SIMD))
        return cc_fail(c, WH_MALFORMED, "illegal opcode 0xfd %u", sub);
    switch (sub) {
        /* clang-format off */
#define C_ALIAS(sub_, n, nargs)                                                                    \
    case sub_:                                                                                     \
        return (nargs) == 1 ? cc_unop(c, WM_OP_##n, WM_V128, WM_V128)                              \
                            : cc_binop(c, WM_OP_##n, WM_V128, WM_V128);
#define C_BIN(n, sub_, ...)                                                                        \
    case sub_:                                                                                     \
        return cc_binop(c, WM_OP_##n, WM_V128, WM_V128);
#define C_TER(n, sub_, ...)                                                                        \
    case sub_:                                                                                     \
        return cc_generic(c, WM_OP_##n, VV, 3, WM_V128, NULL, 0, false);
        WM_SIMD_RELAXED_ALIAS(WM_SIMD_ALL, C_ALIAS)
        WM_SIMD_RELAXED_V2(WM_SIMD_ALL, C_BIN)
        WM_SIMD_RELAXED_V3(WM_SIMD_ALL, C_TER)
#undef C_ALIAS
#undef C_BIN
#undef C_TER
        /* clang-format on */
    case 0x109: /* i8x16, i16x8, i32x4 and i64x2 .relaxed_laneselect */
    case 0x10a:
    case 0x10b:
    case 0x10c:
        return cc_generic(c, WM_OP_V128_BITSELECT, VV, 3, WM_V128, NULL, 0, false);
    default:
        return cc_fail(c, WH_MALFORMED, "illegal opcode 0xfd %u", sub);
    }
}

wh_rc cc_simd(cc *c)
{
    uint32_t sub, off, lane, mem;
    CHK(wm__read_u32(c->r, &sub, c->err));
    if (sub >= 0x100)
        return op_relaxed(c, sub);
    switch (sub) {
        /* clang-format off */
#define C_BIN(n, sub_, ...)                                                                        \
    case sub_:                                                                                     \
        return cc_binop(c, WM_OP_##n, WM_V128, WM_V128);
#define C_UN(n, sub_, ...)                                                                         \
    case sub_:                                                                                     \
        return cc_unop(c, WM_OP_##n, WM_V128, WM_V128);
#define C_SHIFT(n, sub_, ...)                                                                      \
    case sub_:                                                                                     \
        return cc_generic(c, WM_OP_##n, (const uint8_t[]){WM_V128, WM_I32}, 2, WM_V128, NULL, 0,  \
                          false);
#define C_TEST(n, sub_, ...)                                                                       \
    case sub_:                                                                                     \
        return cc_unop(c, WM_OP_##n, WM_V128, WM_I32);
#define C_SPLAT(n, sub_, st, ...)                                                                  \
    case sub_:                                                                                     \
        return cc_unop(c, WM_OP_##n, WM_##st, WM_V128);
#define C_EXTRACT(n, sub_, st, L, ...)                                                             \
    case sub_:                                                                                     \
        CHK(read_lane(c, L, &lane));                                                               \
        return cc_generic(c, WM_OP_##n, VV, 1, WM_##st, &lane, 1, false);
#define C_REPLACE(n, sub_, st, rf, L, ...)                                                         \
    case sub_:                                                                                     \
        CHK(read_lane(c, L, &lane));                                                               \
        return cc_generic(c, WM_OP_##n, (const uint8_t[]){WM_V128, WM_##st}, 2, WM_V128, &lane, 1, \
                          false);
#define C_LOAD(n, sub_, nbytes, ...)                                                               \
    case sub_:                                                                                     \
        CHK(cc_read_memarg(c, log2_size(nbytes), &off, &mem));                                     \
        return mem_op(c, WM_OP_##n, mem, 1, WM_V128, (const uint32_t[]){off}, 1);
#define C_LANE_LOAD(n, sub_, nbytes, rf, L)                                                        \
    case sub_:                                                                                     \
        CHK(cc_read_memarg(c, log2_size(nbytes), &off, &mem));                                     \
        CHK(read_lane(c, L, &lane));                                                               \
        return mem_op(c, WM_OP_##n, mem, 2, WM_V128, (const uint32_t[]){off, lane}, 2);
#define C_LANE_STORE(n, sub_, nbytes, rf, L)                                                       \
    case sub_:                                                                                     \
        CHK(cc_read_memarg(c, log2_size(nbytes), &off, &mem));                                     \
        CHK(read_lane(c, L, &lane));                                                               \
        return mem_op(c, WM_OP_##n, mem, 2, 0, (const uint32_t[]){off, lane}, 2);
        WM_SIMD_V2V(WM_SIMD_ALL, C_BIN)
        WM_SIMD_V2(WM_SIMD_ALL, C_BIN)
        WM_SIMD_V1V(WM_SIMD_ALL, C_UN)
        WM_SIMD_V1(WM_SIMD_ALL, C_UN)
        WM_SIMD_SHIFT(WM_SIMD_ALL, C_SHIFT)
        WM_SIMD_TEST(WM_SIMD_ALL, C_TEST)
        WM_SIMD_SPLAT(WM_SIMD_ALL, C_SPLAT)
        WM_SIMD_EXTRACT(WM_SIMD_ALL, C_EXTRACT)
        WM_SIMD_REPLACE(WM_SIMD_ALL, C_REPLACE)
        WM_SIMD_LOADS(WM_SIMD_ALL, C_LOAD)
        WM_SIMD_LANE_LOADS(WM_SIMD_ALL, C_LANE_LOAD)
        WM_SIMD_LANE_STORES(WM_SIMD_ALL, C_LANE_STORE)
#undef C_BIN
#undef C_UN
#undef C_SHIFT
#undef C_TEST
#undef C_SPLAT
#undef C_EXTRACT
#undef C_REPLACE
#undef C_LOAD
#undef C_LANE_LOAD
#undef C_LANE_STORE
        /* clang-format on */
    case 11: /* v128.store */
        CHK(cc_read_memarg(c, 4, &off, &mem));
        return mem_op(c, WM_OP_V128_STORE, mem, 2, 0, (const uint32_t[]){off}, 1);
    case 12:
        return op_const(c);
    case 13:
        return op_shuffle(c);
    case 82: /* v128.bitselect */
        return cc_generic(c, WM_OP_V128_BITSELECT, VV, 3, WM_V128, NULL, 0, false);
    default:
        return cc_fail(c, WH_MALFORMED, "illegal opcode 0xfd %u", sub);
    }
}
