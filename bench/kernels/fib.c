/*
 * fib.c — calls: naive doubly recursive Fibonacci. Almost all the time goes
 * to call, return, a compare and two adds, so it measures the cost of a
 * wasm-to-wasm call in the engine.
 */
#include "kernel.h"

/* Read through a volatile so no compiler can fold the call tree away. */
static volatile uint32_t fib_n = 35;

static NOINLINE uint32_t fib(uint32_t n)
{
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

uint32_t run(void)
{
    return fib(fib_n);
}
