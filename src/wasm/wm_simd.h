/*
 * wm_simd.h — the v128 SIMD instructions (WebAssembly 2.0, prefix 0xfd), as
 * X-macro tables grouped by operand shape. One table drives the internal
 * opcode list (WM_IR_SIMD, part of the opcode enum in wm_ir.h), the
 * compiler's decoding and validation (wm_compile_simd.c) and the
 * interpreter's handlers (wm_interp_simd*.h).
 *
 * Each table is called as TABLE(A, X) and writes its entries as
 * A(X, NAME, subopcode, ...): A is an adapter that passes X all fields
 * (WM_SIMD_ALL) or only the name and operand count (WM_SIMD_W<n>), so that
 * one table serves macros of different arity.
 *
 * Lane expressions are C expressions over wm_v128 operands (wm_v128.h):
 * a and b are the v128 operands, i the result lane, n a shift count, x a
 * scalar operand's slot, t the bytes read from memory. Where a "vector" form
 * is given, it is a whole-register expression over a.vXX / b.vXX that the
 * vector path uses instead of the lane loop; the scalar path
 * (WH_SIMD_SCALAR) always uses the lane form. Integer lanes are computed in
 * unsigned types where C's signed overflow would be undefined.
 *
 * Spec: WebAssembly Core 2.0, sections 4.3.2 (vector instructions) and
 * 5.4.8 (their binary encoding).
 */
#ifndef WM_SIMD_H
#define WM_SIMD_H

#include "wm_v128.h"

#define WM_SIMD_ALL(X, ...) X(__VA_ARGS__)

/* Comparison lanes are all ones or all zeros. */
#define WM_CMP(T, e) ((T) - (e))
/* Vector select by mask m (all-ones lanes pick x): vectors have no ?:. */
#define WM_VSEL(m, x, y) ((((__typeof__(x))(m)) & (x)) | (~((__typeof__(x))(m)) & (y)))

/* clang-format off */

/* v128 v128 -> v128 with a vector form:
 * A(X, NAME, sub, result lanes, count, lane expr, vector member, vector expr) */
#define WM_SIMD_V2V(A, X)                                                                          \
    A(X, I8X16_EQ, 35, s8, 16, WM_CMP(int8_t, a.u8[i] == b.u8[i]), vs8, a.vu8 == b.vu8)            \
    A(X, I8X16_NE, 36, s8, 16, WM_CMP(int8_t, a.u8[i] != b.u8[i]), vs8, a.vu8 != b.vu8)            \
    A(X, I8X16_LT_S, 37, s8, 16, WM_CMP(int8_t, a.s8[i] < b.s8[i]), vs8, a.vs8 < b.vs8)            \
    A(X, I8X16_LT_U, 38, s8, 16, WM_CMP(int8_t, a.u8[i] < b.u8[i]), vs8, a.vu8 < b.vu8)            \
    A(X, I8X16_GT_S, 39, s8, 16, WM_CMP(int8_t, a.s8[i] > b.s8[i]), vs8, a.vs8 > b.vs8)            \
    A(X, I8X16_GT_U, 40, s8, 16, WM_CMP(int8_t, a.u8[i] > b.u8[i]), vs8, a.vu8 > b.vu8)            \
    A(X, I8X16_LE_S, 41, s8, 16, WM_CMP(int8_t, a.s8[i] <= b.s8[i]), vs8, a.vs8 <= b.vs8)          \
    A(X, I8X16_LE_U, 42, s8, 16, WM_CMP(int8_t, a.u8[i] <= b.u8[i]), vs8, a.vu8 <= b.vu8)          \
    A(X, I8X16_GE_S, 43, s8, 16, WM_CMP(int8_t, a.s8[i] >= b.s8[i]), vs8, a.vs8 >= b.vs8)          \
    A(X, I8X16_GE_U, 44, s8, 16, WM_CMP(int8_t, a.u8[i] >= b.u8[i]), vs8, a.vu8 >= b.vu8)          \
    A(X, I16X8_EQ, 45, s16, 8, WM_CMP(int16_t, a.u16[i] == b.u16[i]), vs16, a.vu16 == b.vu16)      \
    A(X, I16X8_NE, 46, s16, 8, WM_CMP(int16_t, a.u16[i] != b.u16[i]), vs16, a.vu16 != b.vu16)      \
    A(X, I16X8_LT_S, 47, s16, 8, WM_CMP(int16_t, a.s16[i] < b.s16[i]), vs16, a.vs16 < b.vs16)      \
    A(X, I16X8_LT_U, 48, s16, 8, WM_CMP(int16_t, a.u16[i] < b.u16[i]), vs16, a.vu16 < b.vu16)      \
    A(X, I16X8_GT_S, 49, s16, 8, WM_CMP(int16_t, a.s16[i] > b.s16[i]), vs16, a.vs16 > b.vs16)      \
    A(X, I16X8_GT_U, 50, s16, 8, WM_CMP(int16_t, a.u16[i] > b.u16[i]), vs16, a.vu16 > b.vu16)      \
    A(X, I16X8_LE_S, 51, s16, 8, WM_CMP(int16_t, a.s16[i] <= b.s16[i]), vs16, a.vs16 <= b.vs16)    \
    A(X, I16X8_LE_U, 52, s16, 8, WM_CMP(int16_t, a.u16[i] <= b.u16[i]), vs16, a.vu16 <= b.vu16)    \
    A(X, I16X8_GE_S, 53, s16, 8, WM_CMP(int16_t, a.s16[i] >= b.s16[i]), vs16, a.vs16 >= b.vs16)    \
    A(X, I16X8_GE_U, 54, s16, 8, WM_CMP(int16_t, a.u16[i] >= b.u16[i]), vs16, a.vu16 >= b.vu16)    \
    A(X, I32X4_EQ, 55, s32, 4, WM_CMP(int32_t, a.u32[i] == b.u32[i]), vs32, a.vu32 == b.vu32)      \
    A(X, I32X4_NE, 56, s32, 4, WM_CMP(int32_t, a.u32[i] != b.u32[i]), vs32, a.vu32 != b.vu32)      \
    A(X, I32X4_LT_S, 57, s32, 4, WM_CMP(int32_t, a.s32[i] < b.s32[i]), vs32, a.vs32 < b.vs32)      \
    A(X, I32X4_LT_U, 58, s32, 4, WM_CMP(int32_t, a.u32[i] < b.u32[i]), vs32, a.vu32 < b.vu32)      \
    A(X, I32X4_GT_S, 59, s32, 4, WM_CMP(int32_t, a.s32[i] > b.s32[i]), vs32, a.vs32 > b.vs32)      \
    A(X, I32X4_GT_U, 60, s32, 4, WM_CMP(int32_t, a.u32[i] > b.u32[i]), vs32, a.vu32 > b.vu32)      \
    A(X, I32X4_LE_S, 61, s32, 4, WM_CMP(int32_t, a.s32[i] <= b.s32[i]), vs32, a.vs32 <= b.vs32)    \
    A(X, I32X4_LE_U, 62, s32, 4, WM_CMP(int32_t, a.u32[i] <= b.u32[i]), vs32, a.vu32 <= b.vu32)    \
    A(X, I32X4_GE_S, 63, s32, 4, WM_CMP(int32_t, a.s32[i] >= b.s32[i]), vs32, a.vs32 >= b.vs32)    \
    A(X, I32X4_GE_U, 64, s32, 4, WM_CMP(int32_t, a.u32[i] >= b.u32[i]), vs32, a.vu32 >= b.vu32)    \
    A(X, F32X4_EQ, 65, s32, 4, WM_CMP(int32_t, a.f32[i] == b.f32[i]), vs32, a.vf32 == b.vf32)      \
    A(X, F32X4_NE, 66, s32, 4, WM_CMP(int32_t, a.f32[i] != b.f32[i]), vs32, a.vf32 != b.vf32)      \
    A(X, F32X4_LT, 67, s32, 4, WM_CMP(int32_t, a.f32[i] < b.f32[i]), vs32, a.vf32 < b.vf32)        \
    A(X, F32X4_GT, 68, s32, 4, WM_CMP(int32_t, a.f32[i] > b.f32[i]), vs32, a.vf32 > b.vf32)        \
    A(X, F32X4_LE, 69, s32, 4, WM_CMP(int32_t, a.f32[i] <= b.f32[i]), vs32, a.vf32 <= b.vf32)      \
    A(X, F32X4_GE, 70, s32, 4, WM_CMP(int32_t, a.f32[i] >= b.f32[i]), vs32, a.vf32 >= b.vf32)      \
    A(X, F64X2_EQ, 71, s64, 2, WM_CMP(int64_t, a.f64[i] == b.f64[i]), vs64, a.vf64 == b.vf64)      \
    A(X, F64X2_NE, 72, s64, 2, WM_CMP(int64_t, a.f64[i] != b.f64[i]), vs64, a.vf64 != b.vf64)      \
    A(X, F64X2_LT, 73, s64, 2, WM_CMP(int64_t, a.f64[i] < b.f64[i]), vs64, a.vf64 < b.vf64)        \
    A(X, F64X2_GT, 74, s64, 2, WM_CMP(int64_t, a.f64[i] > b.f64[i]), vs64, a.vf64 > b.vf64)        \
    A(X, F64X2_LE, 75, s64, 2, WM_CMP(int64_t, a.f64[i] <= b.f64[i]), vs64, a.vf64 <= b.vf64)      \
    A(X, F64X2_GE, 76, s64, 2, WM_CMP(int64_t, a.f64[i] >= b.f64[i]), vs64, a.vf64 >= b.vf64)      \
    A(X, V128_AND, 78, u64, 2, a.u64[i] & b.u64[i], vu64, a.vu64 & b.vu64)                         \
    A(X, V128_ANDNOT, 79, u64, 2, a.u64[i] & ~b.u64[i], vu64, a.vu64 & ~b.vu64)                    \
    A(X, V128_OR, 80, u64, 2, a.u64[i] | b.u64[i], vu64, a.vu64 | b.vu64)                          \
    A(X, V128_XOR, 81, u64, 2, a.u64[i] ^ b.u64[i], vu64, a.vu64 ^ b.vu64)                         \
    A(X, I8X16_NARROW_I16X8_S, 101, s8, 16, wm__sat_s8(i < 8 ? a.s16[i & 7] : b.s16[i & 7]),       \
      vs8, wm__vnarrow_s8(a.vs16, b.vs16))                                                         \
    A(X, I8X16_NARROW_I16X8_U, 102, u8, 16, wm__sat_u8(i < 8 ? a.s16[i & 7] : b.s16[i & 7]),       \
      vu8, wm__vnarrow_u8(a.vs16, b.vs16))                                                         \
    A(X, I8X16_ADD, 110, u8, 16, a.u8[i] + b.u8[i], vu8, a.vu8 + b.vu8)                            \
    A(X, I8X16_ADD_SAT_S, 111, s8, 16, wm__sat_s8(a.s8[i] + b.s8[i]),                              \
      vs8, wm__vadds_s8(a.vs8, b.vs8))                                                             \
    A(X, I8X16_ADD_SAT_U, 112, u8, 16, wm__sat_u8(a.u8[i] + b.u8[i]),                              \
      vu8, (a.vu8 + b.vu8) | (wm_vu8)(a.vu8 + b.vu8 < a.vu8))                                      \
    A(X, I8X16_SUB, 113, u8, 16, a.u8[i] - b.u8[i], vu8, a.vu8 - b.vu8)                            \
    A(X, I8X16_SUB_SAT_S, 114, s8, 16, wm__sat_s8(a.s8[i] - b.s8[i]),                              \
      vs8, wm__vsubs_s8(a.vs8, b.vs8))                                                             \
    A(X, I8X16_SUB_SAT_U, 115, u8, 16, wm__sat_u8(a.u8[i] - b.u8[i]),                              \
      vu8, (a.vu8 - b.vu8) & (wm_vu8)(a.vu8 >= b.vu8))                                             \
    A(X, I8X16_MIN_S, 118, s8, 16, a.s8[i] < b.s8[i] ? a.s8[i] : b.s8[i],                          \
      vs8, WM_VSEL(a.vs8 < b.vs8, a.vs8, b.vs8))                                                   \
    A(X, I8X16_MIN_U, 119, u8, 16, a.u8[i] < b.u8[i] ? a.u8[i] : b.u8[i],                          \
      vu8, WM_VSEL(a.vu8 < b.vu8, a.vu8, b.vu8))                                                   \
    A(X, I8X16_MAX_S, 120, s8, 16, a.s8[i] > b.s8[i] ? a.s8[i] : b.s8[i],                          \
      vs8, WM_VSEL(a.vs8 > b.vs8, a.vs8, b.vs8))                                                   \
    A(X, I8X16_MAX_U, 121, u8, 16, a.u8[i] > b.u8[i] ? a.u8[i] : b.u8[i],                          \
      vu8, WM_VSEL(a.vu8 > b.vu8, a.vu8, b.vu8))                                                   \
    A(X, I8X16_AVGR_U, 123, u8, 16, (a.u8[i] + b.u8[i] + 1) >> 1,                                  \
      vu8, (a.vu8 | b.vu8) - ((a.vu8 ^ b.vu8) >> 1))                                               \
    A(X, I16X8_NARROW_I32X4_S, 133, s16, 8, wm__sat_s16(i < 4 ? a.s32[i & 3] : b.s32[i & 3]),      \
      vs16, wm__vnarrow_s16(a.vs32, b.vs32))                                                       \
    A(X, I16X8_ADD, 142, u16, 8, a.u16[i] + b.u16[i], vu16, a.vu16 + b.vu16)                       \
    A(X, I16X8_ADD_SAT_S, 143, s16, 8, wm__sat_s16(a.s16[i] + b.s16[i]),                           \
      vs16, wm__vadds_s16(a.vs16, b.vs16))                                                         \
    A(X, I16X8_ADD_SAT_U, 144, u16, 8, wm__sat_u16(a.u16[i] + b.u16[i]),                           \
      vu16, (a.vu16 + b.vu16) | (wm_vu16)(a.vu16 + b.vu16 < a.vu16))                               \
    A(X, I16X8_SUB, 145, u16, 8, a.u16[i] - b.u16[i], vu16, a.vu16 - b.vu16)                       \
    A(X, I16X8_SUB_SAT_S, 146, s16, 8, wm__sat_s16(a.s16[i] - b.s16[i]),                           \
      vs16, wm__vsubs_s16(a.vs16, b.vs16))                                                         \
    A(X, I16X8_SUB_SAT_U, 147, u16, 8, wm__sat_u16(a.u16[i] - b.u16[i]),                           \
      vu16, (a.vu16 - b.vu16) & (wm_vu16)(a.vu16 >= b.vu16))                                       \
    A(X, I16X8_MUL, 149, u16, 8, (uint32_t)a.u16[i] * b.u16[i], vu16, a.vu16 * b.vu16)             \
    A(X, I16X8_MIN_S, 150, s16, 8, a.s16[i] < b.s16[i] ? a.s16[i] : b.s16[i],                      \
      vs16, WM_VSEL(a.vs16 < b.vs16, a.vs16, b.vs16))                                              \
    A(X, I16X8_MIN_U, 151, u16, 8, a.u16[i] < b.u16[i] ? a.u16[i] : b.u16[i],                      \
      vu16, WM_VSEL(a.vu16 < b.vu16, a.vu16, b.vu16))                                              \
    A(X, I16X8_MAX_S, 152, s16, 8, a.s16[i] > b.s16[i] ? a.s16[i] : b.s16[i],                      \
      vs16, WM_VSEL(a.vs16 > b.vs16, a.vs16, b.vs16))                                              \
    A(X, I16X8_MAX_U, 153, u16, 8, a.u16[i] > b.u16[i] ? a.u16[i] : b.u16[i],                      \
      vu16, WM_VSEL(a.vu16 > b.vu16, a.vu16, b.vu16))                                              \
    A(X, I16X8_AVGR_U, 155, u16, 8, (a.u16[i] + b.u16[i] + 1) >> 1,                                \
      vu16, (a.vu16 | b.vu16) - ((a.vu16 ^ b.vu16) >> 1))                                          \
    A(X, I32X4_ADD, 174, u32, 4, a.u32[i] + b.u32[i], vu32, a.vu32 + b.vu32)                       \
    A(X, I32X4_SUB, 177, u32, 4, a.u32[i] - b.u32[i], vu32, a.vu32 - b.vu32)                       \
    A(X, I32X4_MUL, 181, u32, 4, a.u32[i] * b.u32[i], vu32, a.vu32 * b.vu32)                       \
    A(X, I32X4_MIN_S, 182, s32, 4, a.s32[i] < b.s32[i] ? a.s32[i] : b.s32[i],                      \
      vs32, WM_VSEL(a.vs32 < b.vs32, a.vs32, b.vs32))                                              \
    A(X, I32X4_MIN_U, 183, u32, 4, a.u32[i] < b.u32[i] ? a.u32[i] : b.u32[i],                      \
      vu32, WM_VSEL(a.vu32 < b.vu32, a.vu32, b.vu32))                                              \
    A(X, I32X4_MAX_S, 184, s32, 4, a.s32[i] > b.s32[i] ? a.s32[i] : b.s32[i],                      \
      vs32, WM_VSEL(a.vs32 > b.vs32, a.vs32, b.vs32))                                              \
    A(X, I32X4_MAX_U, 185, u32, 4, a.u32[i] > b.u32[i] ? a.u32[i] : b.u32[i],                      \
      vu32, WM_VSEL(a.vu32 > b.vu32, a.vu32, b.vu32))                                              \
    A(X, I64X2_ADD, 206, u64, 2, a.u64[i] + b.u64[i], vu64, a.vu64 + b.vu64)                       \
    A(X, I64X2_SUB, 209, u64, 2, a.u64[i] - b.u64[i], vu64, a.vu64 - b.vu64)                       \
    A(X, I64X2_MUL, 213, u64, 2, a.u64[i] * b.u64[i], vu64, a.vu64 * b.vu64)                       \
    A(X, I64X2_EQ, 214, s64, 2, WM_CMP(int64_t, a.s64[i] == b.s64[i]), vs64, a.vs64 == b.vs64)     \
    A(X, I64X2_NE, 215, s64, 2, WM_CMP(int64_t, a.s64[i] != b.s64[i]), vs64, a.vs64 != b.vs64)     \
    A(X, I64X2_LT_S, 216, s64, 2, WM_CMP(int64_t, a.s64[i] < b.s64[i]), vs64, a.vs64 < b.vs64)     \
    A(X, I64X2_GT_S, 217, s64, 2, WM_CMP(int64_t, a.s64[i] > b.s64[i]), vs64, a.vs64 > b.vs64)     \
    A(X, I64X2_LE_S, 218, s64, 2, WM_CMP(int64_t, a.s64[i] <= b.s64[i]), vs64, a.vs64 <= b.vs64)   \
    A(X, I64X2_GE_S, 219, s64, 2, WM_CMP(int64_t, a.s64[i] >= b.s64[i]), vs64, a.vs64 >= b.vs64)   \
    A(X, F32X4_ADD, 228, f32, 4, a.f32[i] + b.f32[i], vf32, a.vf32 + b.vf32)                       \
    A(X, F32X4_SUB, 229, f32, 4, a.f32[i] - b.f32[i], vf32, a.vf32 - b.vf32)                       \
    A(X, F32X4_MUL, 230, f32, 4, a.f32[i] * b.f32[i], vf32, a.vf32 * b.vf32)                       \
    A(X, F32X4_DIV, 231, f32, 4, a.f32[i] / b.f32[i], vf32, a.vf32 / b.vf32)                       \
    A(X, F32X4_PMIN, 234, u32, 4, b.f32[i] < a.f32[i] ? b.u32[i] : a.u32[i],                       \
      vu32, WM_VSEL(b.vf32 < a.vf32, b.vu32, a.vu32))                                              \
    A(X, F32X4_PMAX, 235, u32, 4, a.f32[i] < b.f32[i] ? b.u32[i] : a.u32[i],                       \
      vu32, WM_VSEL(a.vf32 < b.vf32, b.vu32, a.vu32))                                              \
    A(X, F64X2_ADD, 240, f64, 2, a.f64[i] + b.f64[i], vf64, a.vf64 + b.vf64)                       \
    A(X, F64X2_SUB, 241, f64, 2, a.f64[i] - b.f64[i], vf64, a.vf64 - b.vf64)                       \
    A(X, F64X2_MUL, 242, f64, 2, a.f64[i] * b.f64[i], vf64, a.vf64 * b.vf64)                       \
    A(X, F64X2_DIV, 243, f64, 2, a.f64[i] / b.f64[i], vf64, a.vf64 / b.vf64)                       \
    A(X, F64X2_PMIN, 246, u64, 2, b.f64[i] < a.f64[i] ? b.u64[i] : a.u64[i],                       \
      vu64, WM_VSEL(b.vf64 < a.vf64, b.vu64, a.vu64))                                              \
    A(X, F64X2_PMAX, 247, u64, 2, a.f64[i] < b.f64[i] ? b.u64[i] : a.u64[i],                       \
      vu64, WM_VSEL(a.vf64 < b.vf64, b.vu64, a.vu64))

/* v128 v128 -> v128, lanes only: A(X, NAME, sub, result lanes, count, lane expr) */
#define WM_SIMD_V2(A, X)                                                                           \
    A(X, I8X16_SWIZZLE, 14, u8, 16, b.u8[i] < 16 ? a.u8[b.u8[i] & 15] : 0)                         \
    A(X, I16X8_Q15MULR_SAT_S, 130, s16, 8, wm__q15mulr(a.s16[i], b.s16[i]))                        \
    A(X, I16X8_NARROW_I32X4_U, 134, u16, 8, wm__sat_u16(i < 4 ? a.s32[i & 3] : b.s32[i & 3]))      \
    A(X, I16X8_EXTMUL_LOW_I8X16_S, 156, s16, 8, a.s8[i] * b.s8[i])                                 \
    A(X, I16X8_EXTMUL_HIGH_I8X16_S, 157, s16, 8, a.s8[i + 8] * b.s8[i + 8])                        \
    A(X, I16X8_EXTMUL_LOW_I8X16_U, 158, u16, 8, a.u8[i] * b.u8[i])                                 \
    A(X, I16X8_EXTMUL_HIGH_I8X16_U, 159, u16, 8, a.u8[i + 8] * b.u8[i + 8])                        \
    A(X, I32X4_DOT_I16X8_S, 186, u32, 4, (uint32_t)(a.s16[2 * i] * b.s16[2 * i]) +                 \
      (uint32_t)(a.s16[2 * i + 1] * b.s16[2 * i + 1]))                                             \
    A(X, I32X4_EXTMUL_LOW_I16X8_S, 188, s32, 4, a.s16[i] * b.s16[i])                               \
    A(X, I32X4_EXTMUL_HIGH_I16X8_S, 189, s32, 4, a.s16[i + 4] * b.s16[i + 4])                      \
    A(X, I32X4_EXTMUL_LOW_I16X8_U, 190, u32, 4, (uint32_t)a.u16[i] * b.u16[i])                     \
    A(X, I32X4_EXTMUL_HIGH_I16X8_U, 191, u32, 4, (uint32_t)a.u16[i + 4] * b.u16[i + 4])            \
    A(X, I64X2_EXTMUL_LOW_I32X4_S, 220, s64, 2, (int64_t)a.s32[i] * b.s32[i])                      \
    A(X, I64X2_EXTMUL_HIGH_I32X4_S, 221, s64, 2, (int64_t)a.s32[i + 2] * b.s32[i + 2])             \
    A(X, I64X2_EXTMUL_LOW_I32X4_U, 222, u64, 2, (uint64_t)a.u32[i] * b.u32[i])                     \
    A(X, I64X2_EXTMUL_HIGH_I32X4_U, 223, u64, 2, (uint64_t)a.u32[i + 2] * b.u32[i + 2])            \
    A(X, F32X4_MIN, 232, f32, 4, wm__fminf(a.f32[i], b.f32[i]))                                    \
    A(X, F32X4_MAX, 233, f32, 4, wm__fmaxf(a.f32[i], b.f32[i]))                                    \
    A(X, F64X2_MIN, 244, f64, 2, wm__fmin(a.f64[i], b.f64[i]))                                     \
    A(X, F64X2_MAX, 245, f64, 2, wm__fmax(a.f64[i], b.f64[i]))

/* v128 -> v128 with a vector form:
 * A(X, NAME, sub, result lanes, count, lane expr, vector member, vector expr) */
#define WM_SIMD_V1V(A, X)                                                                          \
    A(X, V128_NOT, 77, u64, 2, ~a.u64[i], vu64, ~a.vu64)                                           \
    A(X, I8X16_ABS, 96, u8, 16, a.s8[i] < 0 ? -a.u8[i] : a.u8[i],                                  \
      vu8, WM_VSEL(a.vs8 < 0, -a.vu8, a.vu8))                                                      \
    A(X, I8X16_NEG, 97, u8, 16, -a.u8[i], vu8, -a.vu8)                                             \
    A(X, I16X8_ABS, 128, u16, 8, a.s16[i] < 0 ? -a.u16[i] : a.u16[i],                              \
      vu16, WM_VSEL(a.vs16 < 0, -a.vu16, a.vu16))                                                  \
    A(X, I16X8_NEG, 129, u16, 8, -a.u16[i], vu16, -a.vu16)                                         \
    A(X, I16X8_EXTEND_LOW_I8X16_S, 135, s16, 8, a.s8[i], vs16, wm__vext_s8(a.vs8, 0))              \
    A(X, I16X8_EXTEND_HIGH_I8X16_S, 136, s16, 8, a.s8[i + 8], vs16, wm__vext_s8(a.vs8, 1))         \
    A(X, I16X8_EXTEND_LOW_I8X16_U, 137, u16, 8, a.u8[i], vu16, wm__vext_u8(a.vu8, 0))              \
    A(X, I16X8_EXTEND_HIGH_I8X16_U, 138, u16, 8, a.u8[i + 8], vu16, wm__vext_u8(a.vu8, 1))         \
    A(X, I32X4_ABS, 160, u32, 4, a.s32[i] < 0 ? 0u - a.u32[i] : a.u32[i],                          \
      vu32, WM_VSEL(a.vs32 < 0, -a.vu32, a.vu32))                                                  \
    A(X, I32X4_NEG, 161, u32, 4, 0u - a.u32[i], vu32, -a.vu32)                                     \
    A(X, I32X4_EXTEND_LOW_I16X8_S, 167, s32, 4, a.s16[i], vs32, wm__vext_s16(a.vs16, 0))           \
    A(X, I32X4_EXTEND_HIGH_I16X8_S, 168, s32, 4, a.s16[i + 4], vs32, wm__vext_s16(a.vs16, 1))      \
    A(X, I32X4_EXTEND_LOW_I16X8_U, 169, u32, 4, a.u16[i], vu32, wm__vext_u16(a.vu16, 0))           \
    A(X, I32X4_EXTEND_HIGH_I16X8_U, 170, u32, 4, a.u16[i + 4], vu32, wm__vext_u16(a.vu16, 1))      \
    A(X, I64X2_ABS, 192, u64, 2, a.s64[i] < 0 ? 0u - a.u64[i] : a.u64[i],                          \
      vu64, WM_VSEL(a.vs64 < 0, -a.vu64, a.vu64))                                                  \
    A(X, I64X2_NEG, 193, u64, 2, 0u - a.u64[i], vu64, -a.vu64)                                     \
    A(X, I64X2_EXTEND_LOW_I32X4_S, 199, s64, 2, a.s32[i], vs64, wm__vext_s32(a.vs32, 0))           \
    A(X, I64X2_EXTEND_HIGH_I32X4_S, 200, s64, 2, a.s32[i + 2], vs64, wm__vext_s32(a.vs32, 1))      \
    A(X, I64X2_EXTEND_LOW_I32X4_U, 201, u64, 2, a.u32[i], vu64, wm__vext_u32(a.vu32, 0))           \
    A(X, I64X2_EXTEND_HIGH_I32X4_U, 202, u64, 2, a.u32[i + 2], vu64, wm__vext_u32(a.vu32, 1))      \
    A(X, F32X4_ABS, 224, u32, 4, a.u32[i] & 0x7fffffffu, vu32, a.vu32 & 0x7fffffffu)               \
    A(X, F32X4_NEG, 225, u32, 4, a.u32[i] ^ 0x80000000u, vu32, a.vu32 ^ 0x80000000u)               \
    A(X, F64X2_ABS, 236, u64, 2, a.u64[i] & 0x7fffffffffffffffull,                                 \
      vu64, a.vu64 & 0x7fffffffffffffffull)                                                        \
    A(X, F64X2_NEG, 237, u64, 2, a.u64[i] ^ 0x8000000000000000ull,                                 \
      vu64, a.vu64 ^ 0x8000000000000000ull)                                                        \
    A(X, F32X4_CONVERT_I32X4_S, 250, f32, 4, (float)a.s32[i],                                      \
      vf32, __builtin_convertvector(a.vs32, wm_vf32))

/* v128 -> v128, lanes only: A(X, NAME, sub, result lanes, count, lane expr) */
#define WM_SIMD_V1(A, X)                                                                           \
    A(X, F32X4_DEMOTE_F64X2_ZERO, 94, f32, 4, i < 2 ? (float)a.f64[i & 1] : 0.0f)                  \
    A(X, F64X2_PROMOTE_LOW_F32X4, 95, f64, 2, (double)a.f32[i])                                    \
    A(X, I8X16_POPCNT, 98, u8, 16, __builtin_popcount(a.u8[i]))                                    \
    A(X, F32X4_CEIL, 103, f32, 4, wm__ceilf(a.f32[i]))                                            \
    A(X, F32X4_FLOOR, 104, f32, 4, wm__floorf(a.f32[i]))                                          \
    A(X, F32X4_TRUNC, 105, f32, 4, wm__truncf(a.f32[i]))                                          \
    A(X, F32X4_NEAREST, 106, f32, 4, wm__nearestf(a.f32[i]))                                      \
    A(X, F64X2_CEIL, 116, f64, 2, wm__ceil(a.f64[i]))                                             \
    A(X, F64X2_FLOOR, 117, f64, 2, wm__floor(a.f64[i]))                                           \
    A(X, F64X2_TRUNC, 122, f64, 2, wm__trunc(a.f64[i]))                                           \
    A(X, I16X8_EXTADD_PAIRWISE_I8X16_S, 124, s16, 8, a.s8[2 * i] + a.s8[2 * i + 1])                \
    A(X, I16X8_EXTADD_PAIRWISE_I8X16_U, 125, u16, 8, a.u8[2 * i] + a.u8[2 * i + 1])                \
    A(X, I32X4_EXTADD_PAIRWISE_I16X8_S, 126, s32, 4, a.s16[2 * i] + a.s16[2 * i + 1])              \
    A(X, I32X4_EXTADD_PAIRWISE_I16X8_U, 127, u32, 4, a.u16[2 * i] + a.u16[2 * i + 1])              \
    A(X, F64X2_NEAREST, 148, f64, 2, wm__nearest(a.f64[i]))                                       \
    A(X, F32X4_SQRT, 227, f32, 4, sqrtf(a.f32[i]))                                                 \
    A(X, F64X2_SQRT, 239, f64, 2, sqrt(a.f64[i]))                                                  \
    A(X, I32X4_TRUNC_SAT_F32X4_S, 248, s32, 4, wm__tsat_s32(a.f32[i]))                             \
    A(X, I32X4_TRUNC_SAT_F32X4_U, 249, u32, 4, wm__tsat_u32(a.f32[i]))                             \
    A(X, F32X4_CONVERT_I32X4_U, 251, f32, 4, (float)a.u32[i])                                      \
    A(X, I32X4_TRUNC_SAT_F64X2_S_ZERO, 252, s32, 4, i < 2 ? wm__tsat_s32(a.f64[i & 1]) : 0)        \
    A(X, I32X4_TRUNC_SAT_F64X2_U_ZERO, 253, u32, 4, i < 2 ? wm__tsat_u32(a.f64[i & 1]) : 0u)       \
    A(X, F64X2_CONVERT_LOW_I32X4_S, 254, f64, 2, (double)a.s32[i])                                 \
    A(X, F64X2_CONVERT_LOW_I32X4_U, 255, f64, 2, (double)a.u32[i])

/* v128 i32 -> v128, shifts; n is the count modulo the lane width:
 * A(X, NAME, sub, result lanes, count, lane expr, vector member, vector expr) */
#define WM_SIMD_SHIFT(A, X)                                                                        \
    A(X, I8X16_SHL,   107, u8, 16, a.u8[i] << n,  vu8, a.vu8 << n)                                 \
    A(X, I8X16_SHR_S, 108, s8, 16, a.s8[i] >> n,  vs8, a.vs8 >> n)                                 \
    A(X, I8X16_SHR_U, 109, u8, 16, a.u8[i] >> n,  vu8, a.vu8 >> n)                                 \
    A(X, I16X8_SHL,   139, u16, 8, a.u16[i] << n, vu16, a.vu16 << n)                               \
    A(X, I16X8_SHR_S, 140, s16, 8, a.s16[i] >> n, vs16, a.vs16 >> n)                               \
    A(X, I16X8_SHR_U, 141, u16, 8, a.u16[i] >> n, vu16, a.vu16 >> n)                               \
    A(X, I32X4_SHL,   171, u32, 4, a.u32[i] << n, vu32, a.vu32 << n)                               \
    A(X, I32X4_SHR_S, 172, s32, 4, a.s32[i] >> n, vs32, a.vs32 >> n)                               \
    A(X, I32X4_SHR_U, 173, u32, 4, a.u32[i] >> n, vu32, a.vu32 >> n)                               \
    A(X, I64X2_SHL,   203, u64, 2, a.u64[i] << n, vu64, a.vu64 << n)                               \
    A(X, I64X2_SHR_S, 204, s64, 2, a.s64[i] >> n, vs64, a.vs64 >> n)                               \
    A(X, I64X2_SHR_U, 205, u64, 2, a.u64[i] >> n, vu64, a.vu64 >> n)

/* v128 -> i32, folding the lanes into r from init; the vector form gives r:
 * A(X, NAME, sub, count, init, step, vector expr) */
#define WM_SIMD_TEST(A, X)                                                                         \
    A(X, V128_ANY_TRUE, 83, 2, 0u, r |= a.u64[i] != 0, (a.u64[0] | a.u64[1]) != 0)                 \
    A(X, I8X16_ALL_TRUE, 99, 16, 1u, r &= a.u8[i] != 0, wm__valltrue8(a.vu8))                      \
    A(X, I8X16_BITMASK, 100, 16, 0u, r |= (uint32_t)(a.u8[i] >> 7) << i, wm__vbitmask8(a.vu8))     \
    A(X, I16X8_ALL_TRUE, 131, 8, 1u, r &= a.u16[i] != 0, wm__valltrue16(a.vu16))                   \
    A(X, I16X8_BITMASK, 132, 8, 0u, r |= (uint32_t)(a.u16[i] >> 15) << i, wm__vbitmask16(a.vu16))  \
    A(X, I32X4_ALL_TRUE, 163, 4, 1u, r &= a.u32[i] != 0, wm__valltrue32(a.vu32))                   \
    A(X, I32X4_BITMASK, 164, 4, 0u, r |= (a.u32[i] >> 31) << i, wm__vbitmask32(a.vu32))            \
    A(X, I64X2_ALL_TRUE, 195, 2, 1u, r &= a.u64[i] != 0, wm__valltrue64(a.vu64))                   \
    A(X, I64X2_BITMASK, 196, 2, 0u, r |= (uint32_t)(a.u64[i] >> 63) << i, wm__vbitmask64(a.vu64))

/* scalar -> v128: A(X, NAME, sub, scalar type, result lanes, count, lane value from slot x) */
#define WM_SIMD_SPLAT(A, X)                                                                        \
    A(X, I8X16_SPLAT, 15, I32, u8, 16, x.i32)                                                      \
    A(X, I16X8_SPLAT, 16, I32, u16, 8, x.i32)                                                      \
    A(X, I32X4_SPLAT, 17, I32, u32, 4, x.i32)                                                      \
    A(X, I64X2_SPLAT, 18, I64, u64, 2, x.i64)                                                      \
    A(X, F32X4_SPLAT, 19, F32, u32, 4, x.i32)                                                      \
    A(X, F64X2_SPLAT, 20, F64, u64, 2, x.i64)

/* v128 -> scalar, lane l an immediate: A(X, NAME, sub, scalar type, count, slot value) */
#define WM_SIMD_EXTRACT(A, X)                                                                      \
    A(X, I8X16_EXTRACT_LANE_S, 21, I32, 16, (uint32_t)a.s8[l])                                     \
    A(X, I8X16_EXTRACT_LANE_U, 22, I32, 16, a.u8[l])                                               \
    A(X, I16X8_EXTRACT_LANE_S, 24, I32, 8, (uint32_t)a.s16[l])                                     \
    A(X, I16X8_EXTRACT_LANE_U, 25, I32, 8, a.u16[l])                                               \
    A(X, I32X4_EXTRACT_LANE,   27, I32, 4, a.u32[l])                                               \
    A(X, I64X2_EXTRACT_LANE,   29, I64, 2, a.u64[l])                                               \
    A(X, F32X4_EXTRACT_LANE,   31, F32, 4, a.u32[l])                                               \
    A(X, F64X2_EXTRACT_LANE,   33, F64, 2, a.u64[l])

/* v128 scalar -> v128, lane l an immediate:
 * A(X, NAME, sub, scalar type, result lanes, count, lane value from slot x) */
#define WM_SIMD_REPLACE(A, X)                                                                      \
    A(X, I8X16_REPLACE_LANE, 23, I32, u8, 16, x.i32)                                               \
    A(X, I16X8_REPLACE_LANE, 26, I32, u16, 8, x.i32)                                               \
    A(X, I32X4_REPLACE_LANE, 28, I32, u32, 4, x.i32)                                               \
    A(X, I64X2_REPLACE_LANE, 30, I64, u64, 2, x.i64)                                               \
    A(X, F32X4_REPLACE_LANE, 32, F32, u32, 4, x.i32)                                               \
    A(X, F64X2_REPLACE_LANE, 34, F64, u64, 2, x.i64)

/* i32 -> v128, loads of nbytes into t (zero beyond them):
 * A(X, NAME, sub, nbytes, result lanes, count, lane expr) */
#define WM_SIMD_LOADS(A, X)                                                                        \
    A(X, V128_LOAD,        0, 16, u64, 2, t.u64[i])                                                \
    A(X, V128_LOAD8X8_S,   1, 8, s16, 8, t.s8[i])                                                  \
    A(X, V128_LOAD8X8_U,   2, 8, u16, 8, t.u8[i])                                                  \
    A(X, V128_LOAD16X4_S,  3, 8, s32, 4, t.s16[i])                                                 \
    A(X, V128_LOAD16X4_U,  4, 8, u32, 4, t.u16[i])                                                 \
    A(X, V128_LOAD32X2_S,  5, 8, s64, 2, t.s32[i])                                                 \
    A(X, V128_LOAD32X2_U,  6, 8, u64, 2, t.u32[i])                                                 \
    A(X, V128_LOAD8_SPLAT,  7, 1, u8, 16, t.u8[0])                                                 \
    A(X, V128_LOAD16_SPLAT, 8, 2, u16, 8, t.u16[0])                                                \
    A(X, V128_LOAD32_SPLAT, 9, 4, u32, 4, t.u32[0])                                                \
    A(X, V128_LOAD64_SPLAT, 10, 8, u64, 2, t.u64[0])                                               \
    A(X, V128_LOAD32_ZERO, 92, 4, u64, 2, t.u64[i])                                                \
    A(X, V128_LOAD64_ZERO, 93, 8, u64, 2, t.u64[i])

/* i32 v128 -> v128 (load) or i32 v128 -> (store), one lane l (an immediate):
 * A(X, NAME, sub, nbytes, lanes, count) */
#define WM_SIMD_LANE_LOADS(A, X)                                                                   \
    A(X, V128_LOAD8_LANE,  84, 1, u8, 16)                                                          \
    A(X, V128_LOAD16_LANE, 85, 2, u16, 8)                                                          \
    A(X, V128_LOAD32_LANE, 86, 4, u32, 4)                                                          \
    A(X, V128_LOAD64_LANE, 87, 8, u64, 2)
#define WM_SIMD_LANE_STORES(A, X)                                                                  \
    A(X, V128_STORE8_LANE,  88, 1, u8, 16)                                                         \
    A(X, V128_STORE16_LANE, 89, 2, u16, 8)                                                         \
    A(X, V128_STORE32_LANE, 90, 4, u32, 4)                                                         \
    A(X, V128_STORE64_LANE, 91, 8, u64, 2)

/* Relaxed SIMD (WebAssembly 3.0, subopcodes 0x100..0x113), behind
 * WM_FEATURE_RELAXED_SIMD. Each instruction may give any of a few results;
 * this engine always gives the same one (docs/engine.md lists them). Those
 * whose choice is an existing instruction compile to it:
 * A(X, sub, the instruction it compiles to, its number of v128 operands) */
#define WM_SIMD_RELAXED_ALIAS(A, X)                                                                \
    A(X, 0x100, I8X16_SWIZZLE, 2)                                                                  \
    A(X, 0x101, I32X4_TRUNC_SAT_F32X4_S, 1)                                                        \
    A(X, 0x102, I32X4_TRUNC_SAT_F32X4_U, 1)                                                        \
    A(X, 0x103, I32X4_TRUNC_SAT_F64X2_S_ZERO, 1)                                                   \
    A(X, 0x104, I32X4_TRUNC_SAT_F64X2_U_ZERO, 1)                                                   \
    A(X, 0x10d, F32X4_MIN, 2)                                                                      \
    A(X, 0x10e, F32X4_MAX, 2)                                                                      \
    A(X, 0x10f, F64X2_MIN, 2)                                                                      \
    A(X, 0x110, F64X2_MAX, 2)                                                                      \
    A(X, 0x111, I16X8_Q15MULR_SAT_S, 2)
/* The four lane selects (0x109..0x10c) compile to v128.bitselect. The rest
 * are instructions of their own: fused multiply-adds (one rounding, as
 * fma()), dot products of signed bytes by signed bytes (pairs summed with
 * signed saturation, as i16x8 lanes; fours summed exactly, as i32x4 lanes).
 * v128 v128 -> v128: A(X, NAME, sub, result lanes, count, lane expr) */
#define WM_SIMD_RELAXED_V2(A, X)                                                                   \
    A(X, I16X8_RELAXED_DOT_I8X16_I7X16_S, 0x112, s16, 8,                                           \
      wm__sat_s16(a.s8[2 * i] * b.s8[2 * i] + a.s8[2 * i + 1] * b.s8[2 * i + 1]))
/* v128 v128 v128 -> v128: A(X, NAME, sub, result lanes, count, lane expr
 * over a, b and c) */
#define WM_SIMD_RELAXED_V3(A, X)                                                                   \
    A(X, F32X4_RELAXED_MADD, 0x105, f32, 4, fmaf(a.f32[i], b.f32[i], c.f32[i]))                    \
    A(X, F32X4_RELAXED_NMADD, 0x106, f32, 4, fmaf(-a.f32[i], b.f32[i], c.f32[i]))                  \
    A(X, F64X2_RELAXED_MADD, 0x107, f64, 2, fma(a.f64[i], b.f64[i], c.f64[i]))                     \
    A(X, F64X2_RELAXED_NMADD, 0x108, f64, 2, fma(-a.f64[i], b.f64[i], c.f64[i]))                   \
    A(X, I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S, 0x113, u32, 4,                                       \
      (uint32_t)(a.s8[4 * i] * b.s8[4 * i] + a.s8[4 * i + 1] * b.s8[4 * i + 1] +                   \
                 a.s8[4 * i + 2] * b.s8[4 * i + 2] + a.s8[4 * i + 3] * b.s8[4 * i + 3]) +          \
          c.u32[i])

/* Written out by hand: v128.store (11), i8x16.shuffle (13), v128.bitselect
 * (82). v128.const (12) is a compile-time constant and has no opcode. */

/* The internal opcodes: X(NAME, operand words) for each, as WM_IR_FIXED. */
#define WM_SIMD_W2(X, n, ...) X(n, 2)
#define WM_SIMD_W3(X, n, ...) X(n, 3)
#define WM_SIMD_W4(X, n, ...) X(n, 4)
#define WM_SIMD_W5(X, n, ...) X(n, 5)
#define WM_IR_SIMD(X)                                                                              \
    WM_SIMD_V2V(WM_SIMD_W3, X) WM_SIMD_V2(WM_SIMD_W3, X) WM_SIMD_V1V(WM_SIMD_W2, X)                \
    WM_SIMD_V1(WM_SIMD_W2, X) WM_SIMD_SHIFT(WM_SIMD_W3, X) WM_SIMD_TEST(WM_SIMD_W2, X)             \
    WM_SIMD_SPLAT(WM_SIMD_W2, X) WM_SIMD_EXTRACT(WM_SIMD_W3, X) WM_SIMD_REPLACE(WM_SIMD_W4, X)     \
    WM_SIMD_LOADS(WM_SIMD_W3, X) WM_SIMD_LANE_LOADS(WM_SIMD_W5, X)                                 \
    WM_SIMD_LANE_STORES(WM_SIMD_W4, X) WM_SIMD_RELAXED_V2(WM_SIMD_W3, X)                           \
    WM_SIMD_RELAXED_V3(WM_SIMD_W4, X) X(V128_STORE, 3) X(I8X16_SHUFFLE, 7) X(V128_BITSELECT, 4)

/* clang-format on */

#endif
