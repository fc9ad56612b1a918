/*
 * kernel.h — what every benchmark kernel shares.
 *
 * A kernel is one C file with an entry `uint32_t run(void)` that does a fixed
 * amount of work and returns a checksum, and `void empty(void)`, a no-op for
 * measuring call overhead. The same source is built three ways: as a
 * freestanding wasm32 module (no libc, no imports), and natively with gcc as
 * a correctness anchor. run() must give the same checksum when called again
 * on the same instance, so it sets up all of its state itself.
 *
 * Memory comes from static arrays (the .bss of the module), never malloc.
 */
#ifndef KERNEL_H
#define KERNEL_H

#include <stddef.h>
#include <stdint.h>

uint32_t run(void);
void empty(void);

#define NOINLINE __attribute__((noinline))

#ifdef __wasm__
/* clang may lower struct copies and zeroing loops to these even when
 * freestanding; there is no libc to provide them. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);

__attribute__((weak)) void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

__attribute__((weak)) void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

__attribute__((weak)) void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}
#endif

void empty(void)
{
}

/* xorshift32 (Marsaglia): the deterministic input generator of every kernel. */
static inline uint32_t xorshift32(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

#endif
