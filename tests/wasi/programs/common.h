/*
 * common.h — what the WASI differential programs share.
 *
 * Each program is built twice from the same source: natively with gcc
 * (glibc) and for wasm32-wasi with clang and wasi-libc, then made into a
 * wasi:cli/command component. diff.py runs both and compares what they
 * print, so a program prints only what both sides must agree on: errno
 * values go out as names (their numbers differ between glibc and
 * wasi-libc, and strerror texts differ too), never as numbers or messages
 * (errname.h).
 *
 * Header-only: every program is one translation unit.
 */
#ifndef WASI_PROGRAMS_COMMON_H
#define WASI_PROGRAMS_COMMON_H

#include "errname.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a, 32 bits: a checksum both sides compute identically. */
static inline uint32_t fnv1a(uint32_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 16777619u;
    }
    return h;
}
#define FNV_INIT 2166136261u

/* Bytes as text: printable ASCII as is, everything else as \xNN. */
static inline void print_escaped(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\\')
            putchar(b[i]);
        else
            printf("\\x%02x", b[i]);
    }
}

/* The same, quoted, then a newline: "..." (n < 0 prints ""). */
static inline void print_quoted(const void *p, long n)
{
    putchar('"');
    print_escaped(p, n > 0 ? (size_t)n : 0);
    puts("\"");
}

/* The path base/rel, in a static buffer: the result holds until the next
 * call. at2 has a buffer of its own, for the second path of rename and
 * link. */
static inline const char *at(const char *base, const char *rel)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", base, rel);
    return p;
}

static inline const char *at2(const char *base, const char *rel)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", base, rel);
    return p;
}

/* qsort comparison of strings (char *), by strcmp. */
static inline int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

#endif
