/*
 * wm_dump.c — prints a function's compiled code, one instruction a line,
 * for people working on the compiler (`wasmhttpd run --dump-ir`). Slots
 * print as $N, immediates as plain numbers, branch targets as @N.
 */
#include "internal.h"
#include "wm_ir.h"

#include <stdio.h>

typedef struct {
    const char *name;
    int8_t nops; /* operand words; -1: unknown (stop) */
} opinfo;

static const opinfo ops[WM_OP_COUNT] = {
#define FIX(n, k)  [WM_OP_##n] = {#n, k},
#define N3(n, ...) [WM_OP_##n] = {#n, 3},
#define N2(n, ...) [WM_OP_##n] = {#n, 2},
#define IMM(n)     [WM_OP_##n##_IMM] = {#n "_IMM", 3},
#define BR(n, ...)                                                                                 \
    [WM_OP_BR_##n] = {"BR_" #n, 3}, [WM_OP_BRN_##n] = {"BRN_" #n, 3},                              \
    [WM_OP_BR_##n##_IMM] = {"BR_" #n "_IMM", 3}, [WM_OP_BRN_##n##_IMM] = {"BRN_" #n "_IMM", 3},
#define SIMD(n, ...) [WM_OP_##n] = {#n, -1},
    WM_IR_FIXED(FIX) WM_BINOPS(N3) WM_UNOPS(N2) WM_TRAPOPS(N3) WM_TRUNCOPS(N2) WM_SATOPS(N2)
        WM_LOADS(N3) WM_STORES(N3) WM_IR_FUSED_BIN(IMM) WM_IR_FUSED_BR(BR) WM_IR_SIMD(SIMD)
#undef FIX
#undef N3
#undef N2
#undef IMM
#undef BR
#undef SIMD
};

void wm__dump_func(const wm_module_t *m, uint32_t index, FILE *out)
{
    const wm__func *f = &m->funcs[index];
    if (f->imported) {
        fprintf(out, "func %u: imported\n", index);
        return;
    }
    fprintf(out, "func %u: %u words, locals $0..$%u, frame %u slots\n", index, f->code_len,
            f->local_slots ? f->local_slots - 1 : 0, f->frame_slots);
    for (uint32_t ip = 0; ip < f->code_len;) {
        uint32_t op = wm__interp_opcode(f->code[ip]);
        const opinfo *oi = op < WM_OP_COUNT ? &ops[op] : NULL;
        if (!oi || !oi->name || oi->nops < 0) {
            fprintf(out, "  %5u  op %u (cannot show further)\n", ip, op);
            return;
        }
        fprintf(out, "  %5u  %-18s", ip, oi->name);
        int n = oi->nops;
        if (op == WM_OP_BR_TABLE)
            n += (int)f->code[ip + 2] + 1;
        for (int k = 1; k <= n && ip + (uint32_t)k < f->code_len; k++)
            fprintf(out, " %u", f->code[ip + k]);
        fputc('\n', out);
        ip += 1 + (uint32_t)n;
    }
}

void wm_module_dump(const wm_module_t *m, FILE *out)
{
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++)
        wm__dump_func(m, i, out);
}
