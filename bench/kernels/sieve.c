/*
 * sieve.c — memory: the sieve of Eratosthenes over a byte array, repeated.
 * Byte loads and stores with a stride, a tight inner loop, little
 * arithmetic.
 */
#include "kernel.h"

#define SIEVE_N 2000000u
#define SIEVE_REPS 4

static volatile uint32_t reps = SIEVE_REPS;
static uint8_t composite[SIEVE_N + 1];

static uint32_t sieve(uint32_t n, uint32_t *out_sum)
{
    for (uint32_t i = 0; i <= n; i++)
        composite[i] = 0;
    for (uint32_t i = 2; i * i <= n; i++) {
        if (composite[i])
            continue;
        for (uint32_t j = i * i; j <= n; j += i)
            composite[j] = 1;
    }
    uint32_t count = 0, sum = 0;
    for (uint32_t i = 2; i <= n; i++) {
        if (!composite[i]) {
            count++;
            sum += i;
        }
    }
    *out_sum = sum;
    return count;
}

uint32_t run(void)
{
    uint32_t check = 0;
    for (uint32_t r = 0; r < reps; r++) {
        uint32_t sum;
        /* A slightly different bound each time, so no rep repeats another. */
        uint32_t count = sieve(SIEVE_N - r * 1000u, &sum);
        check = check * 31u + count + sum;
    }
    return check;
}
