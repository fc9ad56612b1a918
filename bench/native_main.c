/*
 * native_main.c — runs one kernel compiled natively (gcc), as the
 * correctness anchor for the wasm engines: prints the checksum of run()
 * and the best time of a few calls.
 *   kernel_native [reps]   -> "<best_ms> <checksum>"
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

uint32_t run(void);

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 3;
    double best = 1e300;
    uint32_t first = 0;
    for (int i = 0; i < reps; i++) {
        double t0 = now_ms();
        uint32_t r = run();
        double t = now_ms() - t0;
        if (i == 0)
            first = r;
        else if (r != first) {
            fprintf(stderr, "run() gave %u then %u\n", first, r);
            return 1;
        }
        if (t < best)
            best = t;
    }
    printf("%.3f %u\n", best, first);
    return 0;
}
