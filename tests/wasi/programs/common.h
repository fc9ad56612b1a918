/*
 * common.h — what the WASI differential programs share.
 *
 * Each program is built twice from the same source: natively with gcc
 * (glibc) and for wasm32-wasi with clang and wasi-libc, then made into a
 * wasi:cli/command component. diff.py runs both and compares what they
 * print, so a program prints only what both sides must agree on: errno
 * values go out as names (their numbers differ between glibc and
 * wasi-libc, and strerror texts differ too), never as numbers or messages.
 *
 * Header-only: every program is one translation unit.
 */
#ifndef WASI_PROGRAMS_COMMON_H
#define WASI_PROGRAMS_COMMON_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The name of an errno value, the same on both sides. A value outside this
 * list prints as "E?" so a mismatch is still visible without leaking the
 * libc-specific number. */
static inline const char *errname(int e)
{
    switch (e) {
    case 0:
        return "OK";
#define E(x)                                                                                       \
    case x:                                                                                        \
        return #x;
        E(EPERM)
        E(ENOENT)
        E(EIO)
        E(EBADF)
        E(EACCES)
        E(EEXIST)
        E(EXDEV)
        E(ENOTDIR)
        E(EISDIR)
        E(EINVAL)
        E(EMFILE)
        E(EFBIG)
        E(ENOSPC)
        E(ESPIPE)
        E(EROFS)
        E(EMLINK)
        E(ENAMETOOLONG)
        E(ENOTEMPTY)
        E(ELOOP)
        E(ENOSYS)
        E(ENOTSUP)
        E(ENOMEM)
        E(EAGAIN)
        E(ECONNREFUSED)
        E(EADDRNOTAVAIL)
        E(ENETUNREACH)
        E(ETIMEDOUT)
        E(EILSEQ)
#ifdef ENOTCAPABLE
        E(ENOTCAPABLE)
#endif
#undef E
    default:
        return "E?";
    }
}

/* "ok" when rc >= 0, otherwise the errno name. */
static inline const char *res(long rc)
{
    return rc >= 0 ? "ok" : errname(errno);
}

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

#endif
