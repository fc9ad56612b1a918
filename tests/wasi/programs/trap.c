/*
 * trap — prints a line, then executes `unreachable` (__builtin_trap). The
 * host must report the trap on stderr and exit with a failure status, not
 * crash. No native counterpart (natively this is SIGILL).
 */
#include "common.h"

int main(void)
{
    puts("before the trap");
    fflush(stdout);
    __builtin_trap();
}
