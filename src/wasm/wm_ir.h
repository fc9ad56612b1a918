/*
 * wm_ir.h — the interpreter's pre-decoded code.
 *
 * The compiler turns WebAssembly's stack code into register-style code over
 * the frame's slots: every operand names a slot (an index from the frame
 * base fp), so the interpreter never moves a stack pointer. Slots [0,
 * local_slots) hold parameters and locals; above them, each operand-stack
 * position has a fixed slot known at compile time. Code is an array of
 * 32-bit words: the opcode, then its operands. Branch targets are word
 * indices into the function's code.
 *
 * Operand layouts (d = destination slot, a/b/c = source slots):
 *   binary op      OP d a b              unary op      OP d a
 *   binary op, imm OP d a imm            load          OP d addr offset
 *   store          OP addr value offset  CONST32       d value
 *   CONST64        d lo hi               COPY          d a
 *   BR             target                BR_IF/UNLESS  cond target
 *   BR_TABLE       index n target[n+1]   CALL          func argslot
 *   CALL_INDIRECT  type table elem argslot
 *   RETURN_CALL    func argslot          RETURN_CALL_INDIRECT  type table elem argslot
 *                  (tail calls: the callee takes over the caller's frame)
 *   MEMORY_GROW    d delta mem           MEMORY_COPY_MM  dstmem srcmem d s n
 *   MEM_USE        mem                   MEM_USE0
 *   ADDR64         a trapkind            (traps if the i64 in a is 2^32 or more)
 *   THROW          tag argslot           THROW_REF     exnref
 *                  (the payload in consecutive slots; try_table and try emit no
 *                  code: their handlers are a table beside the code)
 *   BR_<cmp>       a b target            (compare and branch, fused; BRN_ negated)
 *   BR_<cmp>_IMM   a imm target          (the same against a constant)
 * A call's arguments sit in consecutive slots from argslot, which becomes the
 * callee's frame base; the callee leaves its results there.
 * Memory instructions work on memory 0, which the interpreter keeps in
 * registers. An instruction on another memory is bracketed: MEM_USE loads
 * that memory into the same registers, MEM_USE0 puts memory 0 back. So
 * memory 0 costs what it did before multi-memory, and every memory
 * instruction (SIMD ones included) works on any memory with no variant.
 */
#ifndef WM_IR_H
#define WM_IR_H

#include "wm_ops.h"
#include "wm_simd.h"

/* clang-format off */
/* X(NAME, operand words); BR_TABLE's count excludes its target list. */
#define WM_IR_FIXED(X)                                                                     \
    X(UNREACHABLE, 0) X(BR, 1) X(BR_IF, 2) X(BR_UNLESS, 2) X(BR_TABLE, 2) X(RETURN, 0)    \
    X(CALL, 2) X(CALL_INDIRECT, 4) X(COPY, 2) X(COPY2, 2) X(CONST32, 2)  \
    X(CONST64, 3) X(CONST128, 5) X(SELECT, 4) X(SELECT2, 4) X(GLOBAL_GET, 2)              \
    X(GLOBAL_SET, 2) X(GLOBAL_GET2, 2) X(GLOBAL_SET2, 2) X(MEMORY_SIZE, 1)                \
    X(MEMORY_GROW, 3) X(MEMORY_FILL, 3) X(MEMORY_COPY, 3) X(MEMORY_INIT, 4)               \
    X(MEMORY_COPY_MM, 5) X(MEM_USE, 1) X(MEM_USE0, 0)                                     \
    X(RETURN_CALL, 2) X(RETURN_CALL_INDIRECT, 4)                                          \
    X(DATA_DROP, 1) X(TABLE_GET, 3) X(TABLE_SET, 3) X(TABLE_SIZE, 2) X(TABLE_GROW, 4)     \
    X(TABLE_FILL, 4) X(TABLE_COPY, 5) X(TABLE_INIT, 5) X(ELEM_DROP, 1) X(REF_IS_NULL, 2)  \
    X(REF_FUNC, 2) X(RETURN1, 1) X(ADDR64, 2) X(MEMORY_GROW64, 3) X(TABLE_GROW64, 4) \
    X(THROW, 2) X(THROW_REF, 1)

/* Fused forms the compiler emits for common pairs: an i32 binary op with a
 * constant right operand, and compare-and-branch. */
#define WM_IR_FUSED_BIN(X)                                                                 \
    X(I32_ADD) X(I32_SUB) X(I32_MUL) X(I32_AND) X(I32_OR) X(I32_XOR) X(I32_SHL)           \
    X(I32_SHR_S) X(I32_SHR_U) X(I32_ROTL) X(I32_ROTR) X(I32_EQ) X(I32_NE) X(I32_LT_S)     \
    X(I32_LT_U) X(I32_GT_S) X(I32_GT_U) X(I32_LE_S) X(I32_LE_U) X(I32_GE_S) X(I32_GE_U)   \
    X(I64_ADD) X(I64_SUB) X(I64_MUL) X(I64_AND) X(I64_OR) X(I64_XOR) X(I64_SHL)           \
    X(I64_SHR_S) X(I64_SHR_U) X(I64_ROTL) X(I64_ROTR) X(I64_EQ) X(I64_NE) X(I64_LT_S)     \
    X(I64_LT_U) X(I64_GT_S) X(I64_GT_U) X(I64_LE_S) X(I64_LE_U) X(I64_GE_S) X(I64_GE_U)

#define WM_IR_FUSED_BR(X)                                                                  \
    X(I32_EQ, ==, i32, ) X(I32_NE, !=, i32, ) X(I32_LT_S, <, i32, S32)                    \
    X(I32_LT_U, <, i32, ) X(I32_GT_S, >, i32, S32) X(I32_GT_U, >, i32, )                  \
    X(I32_LE_S, <=, i32, S32) X(I32_LE_U, <=, i32, ) X(I32_GE_S, >=, i32, S32)            \
    X(I32_GE_U, >=, i32, ) X(I64_EQ, ==, i64, ) X(I64_NE, !=, i64, )                      \
    X(I64_LT_S, <, i64, S64) X(I64_LT_U, <, i64, ) X(I64_GT_S, >, i64, S64)               \
    X(I64_GT_U, >, i64, ) X(I64_LE_S, <=, i64, S64) X(I64_LE_U, <=, i64, )                \
    X(I64_GE_S, >=, i64, S64) X(I64_GE_U, >=, i64, )
/* clang-format on */

typedef enum {
#define IR_FIXED(n, ...) WM_OP_##n,
#define IR_NUM(n, ...) WM_OP_##n,
#define IR_IMM(n) WM_OP_##n##_IMM,
#define IR_BR(n, ...) WM_OP_BR_##n, WM_OP_BRN_##n, WM_OP_BR_##n##_IMM, WM_OP_BRN_##n##_IMM,
    WM_IR_FIXED(IR_FIXED)
    WM_BINOPS(IR_NUM) WM_UNOPS(IR_NUM) WM_TRAPOPS(IR_NUM) WM_TRUNCOPS(IR_NUM) WM_SATOPS(IR_NUM)
    WM_LOADS(IR_NUM) WM_STORES(IR_NUM)
    WM_IR_FUSED_BIN(IR_IMM)
    WM_IR_FUSED_BR(IR_BR)
    WM_IR_SIMD(IR_FIXED)
#undef IR_FIXED
#undef IR_NUM
#undef IR_IMM
#undef IR_BR
    WM_OP_COUNT
} wm_irop;

#endif
