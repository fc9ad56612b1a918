/*
 * deeprec — deep recursion. Each frame keeps its values in wasm locals
 * (nothing address-taken, so nothing on wasi-libc's shadow stack in linear
 * memory) and does work after the call, so it stays a real call chain.
 *   deeprec N   recurses N deep and prints a sum (compared with native)
 *   deeprec     never stops: the host must stop it with a trap (call stack
 *               exhausted), a message on stderr and a failure status,
 *               without crashing itself
 */
#include "common.h"

static volatile long sink;

__attribute__((noinline)) static long depth(long n, long limit)
{
    if (n == limit)
        return 0;
    sink = n;
    long r = depth(n + 1, limit);
    sink = r;
    return r * 3 % 1000003 + n;
}

int main(int argc, char **argv)
{
    long limit = argc > 1 ? atol(argv[1]) : -1;
    puts("recursing");
    fflush(stdout);
    long r = depth(0, limit);
    printf("depth %ld: %ld\n", limit, r);
    return 0;
}
