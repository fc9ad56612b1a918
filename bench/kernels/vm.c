/*
 * vm.c — dispatch: a small stack-machine interpreter (the kind of code many
 * guests are) running a Collatz program. The opcode switch becomes a
 * br_table and the arithmetic goes through a table of function pointers,
 * so this kernel measures br_table and call_indirect, which the others
 * do not use. run() first checks a small case and returns 0 if it is wrong.
 */
#include "kernel.h"

#define VM_N 5000u

enum { PUSH, LOAD, STORE, DUP, JMP, JZ, JNZ, HALT, ADD, SUB, MUL, AND, SHR, EQ };

typedef int32_t (*binop_fn)(int32_t, int32_t);

static volatile uint32_t vm_n = VM_N;
static binop_fn binops[6];

static int32_t op_add(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}
static int32_t op_sub(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}
static int32_t op_mul(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a * (uint32_t)b);
}
static int32_t op_and(int32_t a, int32_t b)
{
    return a & b;
}
static int32_t op_shr(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a >> (b & 31));
}
static int32_t op_eq(int32_t a, int32_t b)
{
    return a == b;
}

/* r0 = n, counting down to 0; r1 = x; r2 = Collatz steps summed over all n. */
static const int32_t program[] = {
    /* 0 */ LOAD, 0, STORE, 1,                        /* x = n */
    /* 4 loop: */ LOAD, 1, PUSH, 1, EQ, JNZ, 46,      /* while (x != 1) */
    /* 11 */ LOAD, 1, PUSH, 1, AND, JZ, 30,           /* if (x & 1) */
    /* 18 */ LOAD, 1, PUSH, 3, MUL, PUSH, 1, ADD,     /*   x = 3x + 1 */
    /* 26 */ STORE, 1, JMP, 37,
    /* 30 even: */ LOAD, 1, PUSH, 1, SHR, STORE, 1,   /* else x >>= 1 */
    /* 37 count: */ LOAD, 2, PUSH, 1, ADD, STORE, 2,  /* steps++ */
    /* 44 */ JMP, 4,
    /* 46 done: */ LOAD, 0, PUSH, 1, SUB, DUP, STORE, 0, JNZ, 0, /* if (--n) again */
    /* 56 */ HALT,
};

static NOINLINE int32_t execute(const int32_t *code, int32_t *reg)
{
    int32_t stack[16];
    int sp = 0, pc = 0;
    for (;;) {
        int32_t op = code[pc++];
        switch (op) {
        case PUSH:
            stack[sp++] = code[pc++];
            break;
        case LOAD:
            stack[sp++] = reg[code[pc++]];
            break;
        case STORE:
            reg[code[pc++]] = stack[--sp];
            break;
        case DUP:
            stack[sp] = stack[sp - 1];
            sp++;
            break;
        case JMP:
            pc = code[pc];
            break;
        case JZ:
            pc = stack[--sp] == 0 ? code[pc] : pc + 1;
            break;
        case JNZ:
            pc = stack[--sp] != 0 ? code[pc] : pc + 1;
            break;
        case HALT:
            return sp;
        default:
            sp--;
            stack[sp - 1] = binops[op - ADD](stack[sp - 1], stack[sp]);
            break;
        }
    }
}

uint32_t run(void)
{
    /* Filled at run time, so the compiler keeps the indirect calls. */
    binops[ADD - ADD] = op_add;
    binops[SUB - ADD] = op_sub;
    binops[MUL - ADD] = op_mul;
    binops[AND - ADD] = op_and;
    binops[SHR - ADD] = op_shr;
    binops[EQ - ADD] = op_eq;
    int32_t reg[4] = {(int32_t)vm_n, 0, 0, 0};
    /* The steps for n = 1..27 sum to 387 (27 alone takes 111). */
    int32_t small[4] = {27, 0, 0, 0};
    if (execute(program, small) != 0 || small[2] != 387)
        return 0;
    int32_t depth = execute(program, reg);
    return (uint32_t)reg[2] * 2654435761u ^ (uint32_t)depth;
}
