/*
 * oom — allocates memory 1 MiB at a time, touching every page.
 *   oom N      stops after N MiB: prints the total and exits 0 (compared
 *              with the native run; the host's --max-memory is above N)
 * It first prints a line, so a run that never started shows.
 *   oom        never stops by itself: when malloc returns NULL it says so
 *              on stderr, prints the total on stdout and exits 1. Under
 *              --max-memory the host either makes memory.grow fail (malloc
 *              returns NULL) or traps; both are failures with a message,
 *              and the total printed must stay within the limit.
 */
#include "common.h"

int main(int argc, char **argv)
{
    long limit = argc > 1 ? atol(argv[1]) : -1;
    long mib = 0;
    uint32_t h = FNV_INIT;
    puts("allocating 1 MiB blocks");
    fflush(stdout);
    while (limit < 0 || mib < limit) {
        unsigned char *p = malloc(1 << 20);
        if (!p) {
            printf("allocated %ld MiB\n", mib);
            fflush(stdout);
            fprintf(stderr, "oom: malloc returned NULL after %ld MiB\n", mib);
            return 1;
        }
        for (size_t i = 0; i < (1 << 20); i += 4096)
            p[i] = (unsigned char)(i >> 12) ^ (unsigned char)mib;
        h = fnv1a(h, p, 64);
        mib++;
    }
    printf("allocated %ld MiB, fnv %08x\n", mib, h);
    return 0;
}
