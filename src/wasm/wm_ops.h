/*
 * wm_ops.h — the numeric, load and store instructions as X-macro tables.
 *
 * One table drives three things: the validator's opcode lookup (operand and
 * result types), the internal opcode enum (wm_ir.h) and the interpreter's
 * handlers (wm_interp.c). Operands are named a and b and have the C type of
 * their slot member; the expression gives the result.
 *
 *   X(NAME, wasm opcode, operand type, result type, operand member, result member, expr)
 *
 * Operations that can trap (division, truncation) are not here: they are
 * written out in the interpreter.
 */
#ifndef WM_OPS_H
#define WM_OPS_H

/* clang-format off */

#define S32(x) ((int32_t)(x))
#define S64(x) ((int64_t)(x))
#define U32(x) ((uint32_t)(x))
#define U64(x) ((uint64_t)(x))

#define WM_BINOPS(X)                                                                       \
    X(I32_EQ,   0x46, I32, I32, i32, i32, a == b)                                         \
    X(I32_NE,   0x47, I32, I32, i32, i32, a != b)                                         \
    X(I32_LT_S, 0x48, I32, I32, i32, i32, S32(a) < S32(b))                                \
    X(I32_LT_U, 0x49, I32, I32, i32, i32, a < b)                                          \
    X(I32_GT_S, 0x4a, I32, I32, i32, i32, S32(a) > S32(b))                                \
    X(I32_GT_U, 0x4b, I32, I32, i32, i32, a > b)                                          \
    X(I32_LE_S, 0x4c, I32, I32, i32, i32, S32(a) <= S32(b))                               \
    X(I32_LE_U, 0x4d, I32, I32, i32, i32, a <= b)                                         \
    X(I32_GE_S, 0x4e, I32, I32, i32, i32, S32(a) >= S32(b))                               \
    X(I32_GE_U, 0x4f, I32, I32, i32, i32, a >= b)                                         \
    X(I64_EQ,   0x51, I64, I32, i64, i32, a == b)                                         \
    X(I64_NE,   0x52, I64, I32, i64, i32, a != b)                                         \
    X(I64_LT_S, 0x53, I64, I32, i64, i32, S64(a) < S64(b))                                \
    X(I64_LT_U, 0x54, I64, I32, i64, i32, a < b)                                          \
    X(I64_GT_S, 0x55, I64, I32, i64, i32, S64(a) > S64(b))                                \
    X(I64_GT_U, 0x56, I64, I32, i64, i32, a > b)                                          \
    X(I64_LE_S, 0x57, I64, I32, i64, i32, S64(a) <= S64(b))                               \
    X(I64_LE_U, 0x58, I64, I32, i64, i32, a <= b)                                         \
    X(I64_GE_S, 0x59, I64, I32, i64, i32, S64(a) >= S64(b))                               \
    X(I64_GE_U, 0x5a, I64, I32, i64, i32, a >= b)                                         \
    X(F32_EQ,   0x5b, F32, I32, f32, i32, a == b)                                         \
    X(F32_NE,   0x5c, F32, I32, f32, i32, a != b)                                         \
    X(F32_LT,   0x5d, F32, I32, f32, i32, a < b)                                          \
    X(F32_GT,   0x5e, F32, I32, f32, i32, a > b)                                          \
    X(F32_LE,   0x5f, F32, I32, f32, i32, a <= b)                                         \
    X(F32_GE,   0x60, F32, I32, f32, i32, a >= b)                                         \
    X(F64_EQ,   0x61, F64, I32, f64, i32, a == b)                                         \
    X(F64_NE,   0x62, F64, I32, f64, i32, a != b)                                         \
    X(F64_LT,   0x63, F64, I32, f64, i32, a < b)                                          \
    X(F64_GT,   0x64, F64, I32, f64, i32, a > b)                                          \
    X(F64_LE,   0x65, F64, I32, f64, i32, a <= b)                                         \
    X(F64_GE,   0x66, F64, I32, f64, i32, a >= b)                                         \
    X(I32_ADD,  0x6a, I32, I32, i32, i32, a + b)                                          \
    X(I32_SUB,  0x6b, I32, I32, i32, i32, a - b)                                          \
    X(I32_MUL,  0x6c, I32, I32, i32, i32, a * b)                                          \
    X(I32_AND,  0x71, I32, I32, i32, i32, a & b)                                          \
    X(I32_OR,   0x72, I32, I32, i32, i32, a | b)                                          \
    X(I32_XOR,  0x73, I32, I32, i32, i32, a ^ b)                                          \
    X(I32_SHL,  0x74, I32, I32, i32, i32, a << (b & 31))                                  \
    X(I32_SHR_S,0x75, I32, I32, i32, i32, U32(S32(a) >> (b & 31)))                        \
    X(I32_SHR_U,0x76, I32, I32, i32, i32, a >> (b & 31))                                  \
    X(I32_ROTL, 0x77, I32, I32, i32, i32, (a << (b & 31)) | (a >> ((32 - b) & 31)))       \
    X(I32_ROTR, 0x78, I32, I32, i32, i32, (a >> (b & 31)) | (a << ((32 - b) & 31)))       \
    X(I64_ADD,  0x7c, I64, I64, i64, i64, a + b)                                          \
    X(I64_SUB,  0x7d, I64, I64, i64, i64, a - b)                                          \
    X(I64_MUL,  0x7e, I64, I64, i64, i64, a * b)                                          \
    X(I64_AND,  0x83, I64, I64, i64, i64, a & b)                                          \
    X(I64_OR,   0x84, I64, I64, i64, i64, a | b)                                          \
    X(I64_XOR,  0x85, I64, I64, i64, i64, a ^ b)                                          \
    X(I64_SHL,  0x86, I64, I64, i64, i64, a << (b & 63))                                  \
    X(I64_SHR_S,0x87, I64, I64, i64, i64, U64(S64(a) >> (b & 63)))                        \
    X(I64_SHR_U,0x88, I64, I64, i64, i64, a >> (b & 63))                                  \
    X(I64_ROTL, 0x89, I64, I64, i64, i64, (a << (b & 63)) | (a >> ((64 - b) & 63)))       \
    X(I64_ROTR, 0x8a, I64, I64, i64, i64, (a >> (b & 63)) | (a << ((64 - b) & 63)))       \
    X(F32_ADD,  0x92, F32, F32, f32, f32, a + b)                                          \
    X(F32_SUB,  0x93, F32, F32, f32, f32, a - b)                                          \
    X(F32_MUL,  0x94, F32, F32, f32, f32, a * b)                                          \
    X(F32_DIV,  0x95, F32, F32, f32, f32, a / b)                                          \
    X(F32_MIN,  0x96, F32, F32, f32, f32, wm__fminf(a, b))                                \
    X(F32_MAX,  0x97, F32, F32, f32, f32, wm__fmaxf(a, b))                                \
    X(F32_COPYSIGN, 0x98, F32, F32, f32, f32, wm__copysignf(a, b))                        \
    X(F64_ADD,  0xa0, F64, F64, f64, f64, a + b)                                          \
    X(F64_SUB,  0xa1, F64, F64, f64, f64, a - b)                                          \
    X(F64_MUL,  0xa2, F64, F64, f64, f64, a * b)                                          \
    X(F64_DIV,  0xa3, F64, F64, f64, f64, a / b)                                          \
    X(F64_MIN,  0xa4, F64, F64, f64, f64, wm__fmin(a, b))                                 \
    X(F64_MAX,  0xa5, F64, F64, f64, f64, wm__fmax(a, b))                                 \
    X(F64_COPYSIGN, 0xa6, F64, F64, f64, f64, wm__copysign(a, b))

#define WM_UNOPS(X)                                                                        \
    X(I32_EQZ,    0x45, I32, I32, i32, i32, a == 0)                                        \
    X(I64_EQZ,    0x50, I64, I32, i64, i32, a == 0)                                        \
    X(I32_CLZ,    0x67, I32, I32, i32, i32, a ? U32(__builtin_clz(a)) : 32u)               \
    X(I32_CTZ,    0x68, I32, I32, i32, i32, a ? U32(__builtin_ctz(a)) : 32u)               \
    X(I32_POPCNT, 0x69, I32, I32, i32, i32, U32(__builtin_popcount(a)))                    \
    X(I64_CLZ,    0x79, I64, I64, i64, i64, a ? U64(__builtin_clzll(a)) : 64u)             \
    X(I64_CTZ,    0x7a, I64, I64, i64, i64, a ? U64(__builtin_ctzll(a)) : 64u)             \
    X(I64_POPCNT, 0x7b, I64, I64, i64, i64, U64(__builtin_popcountll(a)))                  \
    X(F32_ABS,    0x8b, F32, F32, i32, i32, a & 0x7fffffffu)                               \
    X(F32_NEG,    0x8c, F32, F32, i32, i32, a ^ 0x80000000u)                               \
    X(F32_CEIL,   0x8d, F32, F32, f32, f32, wm__ceilf(a))                                      \
    X(F32_FLOOR,  0x8e, F32, F32, f32, f32, wm__floorf(a))                                     \
    X(F32_TRUNC,  0x8f, F32, F32, f32, f32, wm__truncf(a))                                     \
    X(F32_NEAREST,0x90, F32, F32, f32, f32, wm__nearestf(a))                                 \
    X(F32_SQRT,   0x91, F32, F32, f32, f32, sqrtf(a))                                      \
    X(F64_ABS,    0x99, F64, F64, i64, i64, a & 0x7fffffffffffffffull)                     \
    X(F64_NEG,    0x9a, F64, F64, i64, i64, a ^ 0x8000000000000000ull)                     \
    X(F64_CEIL,   0x9b, F64, F64, f64, f64, wm__ceil(a))                                       \
    X(F64_FLOOR,  0x9c, F64, F64, f64, f64, wm__floor(a))                                      \
    X(F64_TRUNC,  0x9d, F64, F64, f64, f64, wm__trunc(a))                                      \
    X(F64_NEAREST,0x9e, F64, F64, f64, f64, wm__nearest(a))                                  \
    X(F64_SQRT,   0x9f, F64, F64, f64, f64, sqrt(a))                                       \
    X(I32_WRAP_I64,      0xa7, I64, I32, i64, i32, U32(a))                                 \
    X(I64_EXTEND_I32_S,  0xac, I32, I64, i32, i64, U64(S64(S32(a))))                       \
    X(I64_EXTEND_I32_U,  0xad, I32, I64, i32, i64, U64(a))                                 \
    X(F32_CONVERT_I32_S, 0xb2, I32, F32, i32, f32, (float)S32(a))                          \
    X(F32_CONVERT_I32_U, 0xb3, I32, F32, i32, f32, (float)a)                               \
    X(F32_CONVERT_I64_S, 0xb4, I64, F32, i64, f32, (float)S64(a))                          \
    X(F32_CONVERT_I64_U, 0xb5, I64, F32, i64, f32, (float)a)                               \
    X(F32_DEMOTE_F64,    0xb6, F64, F32, f64, f32, (float)a)                               \
    X(F64_CONVERT_I32_S, 0xb7, I32, F64, i32, f64, (double)S32(a))                         \
    X(F64_CONVERT_I32_U, 0xb8, I32, F64, i32, f64, (double)a)                              \
    X(F64_CONVERT_I64_S, 0xb9, I64, F64, i64, f64, (double)S64(a))                         \
    X(F64_CONVERT_I64_U, 0xba, I64, F64, i64, f64, (double)a)                              \
    X(F64_PROMOTE_F32,   0xbb, F32, F64, f32, f64, (double)a)                              \
    X(I32_EXTEND8_S,     0xc0, I32, I32, i32, i32, U32(S32((int8_t)a)))                    \
    X(I32_EXTEND16_S,    0xc1, I32, I32, i32, i32, U32(S32((int16_t)a)))                   \
    X(I64_EXTEND8_S,     0xc2, I64, I64, i64, i64, U64(S64((int8_t)a)))                    \
    X(I64_EXTEND16_S,    0xc3, I64, I64, i64, i64, U64(S64((int16_t)a)))                   \
    X(I64_EXTEND32_S,    0xc4, I64, I64, i64, i64, U64(S64((int32_t)a)))

/* Operations that may trap, with their own handlers: X(NAME, opcode, in, out). */
#define WM_TRAPOPS(X)                                                                      \
    X(I32_DIV_S, 0x6d, I32, I32) X(I32_DIV_U, 0x6e, I32, I32)                              \
    X(I32_REM_S, 0x6f, I32, I32) X(I32_REM_U, 0x70, I32, I32)                              \
    X(I64_DIV_S, 0x7f, I64, I64) X(I64_DIV_U, 0x80, I64, I64)                              \
    X(I64_REM_S, 0x81, I64, I64) X(I64_REM_U, 0x82, I64, I64)

#define WM_TRUNCOPS(X)                                                                     \
    X(I32_TRUNC_F32_S, 0xa8, F32, I32) X(I32_TRUNC_F32_U, 0xa9, F32, I32)                  \
    X(I32_TRUNC_F64_S, 0xaa, F64, I32) X(I32_TRUNC_F64_U, 0xab, F64, I32)                  \
    X(I64_TRUNC_F32_S, 0xae, F32, I64) X(I64_TRUNC_F32_U, 0xaf, F32, I64)                  \
    X(I64_TRUNC_F64_S, 0xb0, F64, I64) X(I64_TRUNC_F64_U, 0xb1, F64, I64)

/* 0xfc 0..7: saturating truncations, X(NAME, subopcode, in, out). */
#define WM_SATOPS(X)                                                                       \
    X(I32_TRUNC_SAT_F32_S, 0, F32, I32) X(I32_TRUNC_SAT_F32_U, 1, F32, I32)                \
    X(I32_TRUNC_SAT_F64_S, 2, F64, I32) X(I32_TRUNC_SAT_F64_U, 3, F64, I32)                \
    X(I64_TRUNC_SAT_F32_S, 4, F32, I64) X(I64_TRUNC_SAT_F32_U, 5, F32, I64)                \
    X(I64_TRUNC_SAT_F64_S, 6, F64, I64) X(I64_TRUNC_SAT_F64_U, 7, F64, I64)

/* Reinterpretations are free (slots are untyped): the compiler emits nothing. */
#define WM_REINTERPRETS(X)                                                                 \
    X(0xbc, F32, I32) X(0xbd, F64, I64) X(0xbe, I32, F32) X(0xbf, I64, F64)

/* Loads: X(NAME, opcode, result type, bytes, C type read, result member, conversion) */
#define WM_LOADS(X)                                                                        \
    X(I32_LOAD,     0x28, I32, 4, uint32_t, i32, v)                                        \
    X(I64_LOAD,     0x29, I64, 8, uint64_t, i64, v)                                        \
    X(F32_LOAD,     0x2a, F32, 4, uint32_t, i32, v)                                        \
    X(F64_LOAD,     0x2b, F64, 8, uint64_t, i64, v)                                        \
    X(I32_LOAD8_S,  0x2c, I32, 1, int8_t,   i32, U32(S32(v)))                              \
    X(I32_LOAD8_U,  0x2d, I32, 1, uint8_t,  i32, U32(v))                                   \
    X(I32_LOAD16_S, 0x2e, I32, 2, int16_t,  i32, U32(S32(v)))                              \
    X(I32_LOAD16_U, 0x2f, I32, 2, uint16_t, i32, U32(v))                                   \
    X(I64_LOAD8_S,  0x30, I64, 1, int8_t,   i64, U64(S64(v)))                              \
    X(I64_LOAD8_U,  0x31, I64, 1, uint8_t,  i64, U64(v))                                   \
    X(I64_LOAD16_S, 0x32, I64, 2, int16_t,  i64, U64(S64(v)))                              \
    X(I64_LOAD16_U, 0x33, I64, 2, uint16_t, i64, U64(v))                                   \
    X(I64_LOAD32_S, 0x34, I64, 4, int32_t,  i64, U64(S64(v)))                              \
    X(I64_LOAD32_U, 0x35, I64, 4, uint32_t, i64, U64(v))

/* Stores: X(NAME, opcode, value type, bytes, C type written, value member) */
#define WM_STORES(X)                                                                       \
    X(I32_STORE,   0x36, I32, 4, uint32_t, i32)                                            \
    X(I64_STORE,   0x37, I64, 8, uint64_t, i64)                                            \
    X(F32_STORE,   0x38, F32, 4, uint32_t, i32)                                            \
    X(F64_STORE,   0x39, F64, 8, uint64_t, i64)                                            \
    X(I32_STORE8,  0x3a, I32, 1, uint8_t,  i32)                                            \
    X(I32_STORE16, 0x3b, I32, 2, uint16_t, i32)                                            \
    X(I64_STORE8,  0x3c, I64, 1, uint8_t,  i64)                                            \
    X(I64_STORE16, 0x3d, I64, 2, uint16_t, i64)                                            \
    X(I64_STORE32, 0x3e, I64, 4, uint32_t, i64)

/* clang-format on */

#endif
